import type { SqlDatabase } from './sql-database.port';

/**
 * Applies a component's schema statements at start: one transaction, one statement per query
 * (PGlite's extended protocol takes one statement at a time), serialised by an advisory lock
 * named after the component so that processes starting together do not race on the catalog.
 * Each statement must be idempotent (`CREATE … IF NOT EXISTS`, `CREATE OR REPLACE`, …).
 */
export async function applyMigrations(db: SqlDatabase, component: string, statements: readonly string[]): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`passerelle.migrations.${component}`]);
    for (const statement of statements) await tx.query(statement);
  });
}
