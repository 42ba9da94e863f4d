import { Pool, type PoolClient } from 'pg';
import { PostgresListener } from './postgres-listener';
import {
  assertChannel,
  DatabaseError,
  toDatabaseError,
  type QueryResult,
  type SqlDatabase,
  type SqlExecutor,
} from '../sql-database.port';

export interface PostgresOptions {
  url: string;
  /** Pool size; PostgreSQL serves 2 cores best with a handful of connections. */
  max?: number;
  applicationName?: string;
}

/** The SQL database on a PostgreSQL server, through node-postgres. */
export class PostgresDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  readonly location: string;
  private readonly pool: Pool;
  private readonly listener: PostgresListener;

  private constructor(options: PostgresOptions) {
    const url = new URL(options.url);
    this.location = `postgres://${url.username ? `${url.username}@` : ''}${url.host}${url.pathname}`;
    this.pool = new Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      application_name: options.applicationName ?? 'passerelle',
      connectionTimeoutMillis: 5_000,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    this.listener = new PostgresListener({ url: options.url, applicationName: options.applicationName ?? 'passerelle' });
  }

  /** Opens a pool and proves the server answers, or fails saying where and why. */
  static async open(options: PostgresOptions): Promise<PostgresDatabase> {
    const db = new PostgresDatabase(options);
    try {
      await db.pool.query('SELECT 1');
    } catch (err) {
      await db.pool.end().catch(() => undefined);
      const cause = toDatabaseError(err);
      throw new DatabaseError(
        'DATABASE.UNAVAILABLE',
        `PostgreSQL at ${db.location} did not answer (${cause.vendorCode ?? cause.message}): start it, or set DATABASE_URL to a server that runs`,
        true,
        cause.vendorCode,
        { cause: err },
      );
    }
    return db;
  }

  async query<R = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    try {
      const result = await this.pool.query(sql, params);
      return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
    } catch (err) {
      throw toDatabaseError(err);
    }
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw toDatabaseError(err);
    }
    const tx: SqlExecutor = {
      query: async <R>(sql: string, params: unknown[] = []) => {
        try {
          const result = await client.query(sql, params);
          return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
        } catch (err) {
          throw toDatabaseError(err);
        }
      },
    };
    let broken = false;
    try {
      await tx.query('BEGIN');
      const result = await fn(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      // The caller's own errors (a refusal decided inside the transaction) travel unchanged;
      // driver errors are already DatabaseErrors, mapped by tx.query.
      throw err;
    } finally {
      // A client whose connection broke mid-transaction is discarded, not reused.
      client.release(broken);
    }
  }

  /** LISTENs on a dedicated connection, opened on first use and shared by all channels. */
  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    assertChannel(channel);
    return this.listener.listen(channel, onNotify);
  }

  async ping(): Promise<Record<string, unknown>> {
    const { rows } = await this.query<{ version: string }>("SELECT current_setting('server_version') AS version");
    return { database: 'postgres', location: this.location, version: rows[0]?.version };
  }

  async close(): Promise<void> {
    await this.listener.close();
    await this.pool.end();
  }
}
