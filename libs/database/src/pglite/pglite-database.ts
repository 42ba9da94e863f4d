import { PGlite, type Transaction } from '@electric-sql/pglite';
import { mkdir } from 'node:fs/promises';
import { assertChannel, toDatabaseError, type QueryResult, type SqlDatabase, type SqlExecutor } from '../sql-database.port';

/**
 * The SQL database embedded in the process: PGlite keeps a PostgreSQL data folder on disk
 * (or in memory when `dataDir` is omitted). One connection, so one transaction at a time.
 */
export class PgliteDatabase implements SqlDatabase {
  readonly kind = 'pglite' as const;
  private closed = false;

  private constructor(
    private readonly db: PGlite,
    readonly location: string,
  ) {}

  static async open(dataDir?: string): Promise<PgliteDatabase> {
    if (dataDir) await mkdir(dataDir, { recursive: true });
    const db = new PGlite(dataDir);
    try {
      await db.waitReady;
    } catch (err) {
      throw toDatabaseError(err);
    }
    return new PgliteDatabase(db, dataDir ?? 'memory://');
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    return run(() => this.db.query<R>(sql, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // The caller's own errors (a refusal decided inside the transaction) travel unchanged;
    // only what PGlite itself throws (BEGIN, COMMIT) is mapped.
    let callerError: { error: unknown } | undefined;
    try {
      return await this.db.transaction(async (tx: Transaction) => {
        try {
          return await fn({ query: <R>(sql: string, params: unknown[] = []) => run(() => tx.query<R>(sql, params)) });
        } catch (error) {
          callerError = { error };
          throw error;
        }
      });
    } catch (err) {
      if (callerError && callerError.error === err) throw err;
      throw toDatabaseError(err);
    }
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannel(channel);
    if (this.closed) throw toDatabaseError(new Error('PGlite is closed'));
    const handler = (payload: string) => {
      // A throwing handler must not break PGlite's dispatch to the other listeners.
      try {
        onNotify(payload);
      } catch {
        /* the listener's own concern */
      }
    };
    let unlisten: () => Promise<void>;
    try {
      unlisten = await this.db.listen(channel, handler);
    } catch (err) {
      throw toDatabaseError(err);
    }
    let listening = true;
    return async () => {
      if (!listening || this.closed) return;
      listening = false;
      try {
        await unlisten();
      } catch (err) {
        throw toDatabaseError(err);
      }
    };
  }

  async ping(): Promise<Record<string, unknown>> {
    if (this.closed) throw toDatabaseError(new Error('PGlite is closed'));
    const { rows } = await this.query<{ version: string }>("SELECT current_setting('server_version') AS version");
    return { database: 'pglite', location: this.location, version: rows[0]?.version };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.db.close();
  }
}

async function run<R>(q: () => Promise<{ rows: R[]; affectedRows?: number }>): Promise<QueryResult<R>> {
  try {
    const result = await q();
    return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
  } catch (err) {
    throw toDatabaseError(err);
  }
}
