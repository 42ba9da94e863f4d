import { applyMigrations, type SqlDatabase } from '@passerelle/database';
import { describeSchema, type CatalogEntry } from '../catalog/schema-catalog';
import { EventValidator } from '../validation/event-validator';

/**
 * Where the schema registry keeps every registered version: the schemas component writes it,
 * every component that validates at write time (the ledger) reads it. A registered version
 * never changes; a row is only ever added.
 */
const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS schema_subjects (
    subject       text PRIMARY KEY,
    compatibility text NOT NULL DEFAULT 'BACKWARD',
    updated_at    timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS schema_versions (
    subject       text NOT NULL REFERENCES schema_subjects (subject),
    version       integer NOT NULL CHECK (version > 0),
    schema        jsonb NOT NULL,
    origin        text NOT NULL CHECK (origin IN ('repository', 'api')),
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, version)
  )`,
  // The schema ids of the Confluent-compatible API: one integer per registered version, never
  // reused; an integrator's tooling caches schemas by it.
  `CREATE TABLE IF NOT EXISTS schema_ids (
    id      serial PRIMARY KEY,
    subject text NOT NULL,
    version integer NOT NULL,
    UNIQUE (subject, version),
    FOREIGN KEY (subject, version) REFERENCES schema_versions (subject, version)
  )`,
];

export async function openSchemaTables(db: SqlDatabase): Promise<void> {
  await applyMigrations(db, 'schemas', MIGRATIONS);
}

/** Every registered version, oldest subject and version first. */
export async function readRegisteredSchemas(db: SqlDatabase): Promise<CatalogEntry[]> {
  const { rows } = await db.query<{ schema: unknown }>('SELECT schema FROM schema_versions ORDER BY subject, version');
  return rows.map((r) => describeSchema(r.schema));
}

/**
 * A validator over the registry that follows it: the repository's catalog plus every version
 * registered since, recompiled only when the number of registered versions changes.
 */
export class RegisteredValidator {
  private count = -1;
  private timer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly db: SqlDatabase,
    private current: EventValidator,
    private readonly repository: readonly CatalogEntry[],
    private readonly maxBytes?: number,
  ) {}

  /**
   * Opens the validator and, with `refreshMs`, follows the registry: versions registered
   * through it become valid here within that interval. `onError` hears a failed refresh (the
   * database away); the last validator stays in use meanwhile.
   */
  static async open(
    db: SqlDatabase,
    repository: readonly CatalogEntry[],
    options: { maxBytes?: number; refreshMs?: number; onError?: (err: unknown) => void } = {},
  ): Promise<RegisteredValidator> {
    await openSchemaTables(db);
    const validator = new RegisteredValidator(db, new EventValidator(repository, options.maxBytes), repository, options.maxBytes);
    await validator.refresh();
    if (options.refreshMs) {
      validator.timer = setInterval(() => void validator.refresh().catch((err: unknown) => options.onError?.(err)), options.refreshMs);
      validator.timer.unref();
    }
    return validator;
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  validator(): EventValidator {
    return this.current;
  }

  async refresh(): Promise<void> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*)::text AS n FROM schema_versions');
    const count = Number(rows[0]?.n ?? 0);
    if (count === this.count) return;
    const registered = await readRegisteredSchemas(this.db);
    const ids = new Set(registered.map((e) => e.id));
    this.current = new EventValidator([...this.repository.filter((e) => !ids.has(e.id)), ...registered], this.maxBytes);
    this.count = count;
  }
}
