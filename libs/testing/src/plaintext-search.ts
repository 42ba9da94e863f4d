import type { SqlExecutor } from '@passerelle/database';

/**
 * Where a text sits in a database: every text, varchar, json, jsonb and bytea column of every
 * table is searched for it (bytea as UTF-8). Answers the columns searched, so a test can tell
 * an empty search from a clean one, and those holding the text as `schema.table.column`.
 */
export async function columnsHolding(db: SqlExecutor, text: string): Promise<{ searched: number; hits: string[] }> {
  const { rows: columns } = await db.query<{ table_schema: string; table_name: string; column_name: string }>(
    `SELECT c.table_schema, c.table_name, c.column_name FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE t.table_type = 'BASE TABLE' AND c.table_schema NOT IN ('pg_catalog', 'information_schema') AND c.data_type IN ('text', 'jsonb', 'json', 'bytea', 'character varying')`,
  );
  const hits: string[] = [];
  for (const c of columns) {
    const column = `"${c.column_name}"`;
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${c.table_schema}"."${c.table_name}" WHERE position($1 in ${column}::text) > 0 OR (pg_typeof(${column})::text = 'bytea' AND position(convert_to($1, 'UTF8') in ${column}::text::bytea) > 0)`,
      [text],
    );
    if (rows[0]!.n > 0) hits.push(`${c.table_schema}.${c.table_name}.${c.column_name}`);
  }
  return { searched: columns.length, hits };
}
