export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

/** Runs SQL with `$1`-style parameters; the same SQL runs on PostgreSQL and PGlite. */
export interface SqlExecutor {
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>>;
}

/**
 * The hub's SQL database: a PostgreSQL server in a stack, PGlite (PostgreSQL compiled to
 * WebAssembly, in a local folder) in embedded mode. Both pass database.contract.ts.
 */
export interface SqlDatabase extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Human-readable location (server address or folder), never a password. */
  readonly location: string;
  /** Runs `fn` in one transaction: committed if it resolves, rolled back if it rejects. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  /**
   * Calls `onNotify` with the payload of every NOTIFY on `channel` (committed ones only, as
   * PostgreSQL delivers them). Resolves once listening; the returned function stops it.
   * A wake-up hint, not a delivery guarantee: a lost connection drops notifications, so
   * callers that must not miss a change also poll.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  /** Answers when the database is reachable; rejects with the reason when it is not. */
  ping(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const SQL_DATABASE = Symbol('SQL_DATABASE');

export type DatabaseErrorCode =
  | 'DATABASE.UNAVAILABLE'
  | 'DATABASE.UNIQUE_VIOLATION'
  | 'DATABASE.SERIALIZATION_FAILURE'
  | 'DATABASE.QUERY_FAILED';

/** A database failure in our own terms: a stable `code`, and whether retrying may help. */
export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    readonly retriable: boolean,
    /** The SQLSTATE or socket error code the driver gave, for logs. */
    readonly vendorCode?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EPIPE', '57P01', '57P03', '08000', '08003', '08006']);

/** Maps a driver error (pg or PGlite, both report SQLSTATE in `code`) to a DatabaseError. */
export function toDatabaseError(err: unknown): DatabaseError {
  if (err instanceof DatabaseError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === '23505') return new DatabaseError('DATABASE.UNIQUE_VIOLATION', message, false, code, { cause: err });
  if (code === '40001' || code === '40P01') {
    return new DatabaseError('DATABASE.SERIALIZATION_FAILURE', message, true, code, { cause: err });
  }
  if ((code && CONNECTION_CODES.has(code)) || /Connection terminated|connect ECONNREFUSED|not queryable|closed/i.test(message)) {
    return new DatabaseError('DATABASE.UNAVAILABLE', message, true, code, { cause: err });
  }
  return new DatabaseError('DATABASE.QUERY_FAILED', message, false, code, { cause: err });
}

/**
 * LISTEN takes an identifier, not a parameter: both adapters accept only plain lower-case
 * names, which PostgreSQL and PGlite read the same way, quoted or not.
 */
export function assertChannel(channel: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) {
    throw new TypeError(`channel ${JSON.stringify(channel)} must be a lower-case identifier ([a-z_][a-z0-9_]*, at most 63 characters)`);
  }
}
