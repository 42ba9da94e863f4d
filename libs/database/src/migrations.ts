import { DatabaseError, type SqlDatabase } from './sql-database.port';

/**
 * Applies a component's schema statements at start: one transaction, one statement per query
 * (PGlite's extended protocol takes one statement at a time). One advisory lock serialises
 * every component's migrations: `CREATE TABLE IF NOT EXISTS` is not safe against itself in
 * two sessions at once, and processes starting together (or two components sharing a table)
 * would otherwise race on the catalog. Each statement must be idempotent.
 */
export async function applyMigrations(db: SqlDatabase, component: string, statements: readonly string[]): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', ['passerelle.migrations']);
      for (const statement of statements) await tx.query(statement);
    });
  } catch (err) {
    if (!(err instanceof DatabaseError)) throw err;
    throw new DatabaseError(err.code, `the ${component} tables could not be created or updated: ${err.message}`, err.retriable, err.vendorCode, { cause: err });
  }
}
