import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS es_checkpoints (
    name       text        PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
  )`,
];

/**
 * How far a reader of the global log (the relay, a projection) has got, durably: the position
 * of the last event it finished. Save it in the same transaction as the reader's own writes
 * to make their effect exactly once.
 */
export class Checkpoints {
  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase): Promise<Checkpoints> {
    await applyMigrations(db, 'checkpoints', MIGRATIONS);
    return new Checkpoints(db);
  }

  /** 0 (the beginning) for a reader that never saved one. */
  async read(name: string, executor: SqlExecutor = this.db): Promise<bigint> {
    const { rows } = await executor.query<{ position: string }>('SELECT position::text AS position FROM es_checkpoints WHERE name = $1', [name]);
    return rows[0] ? BigInt(rows[0].position) : 0n;
  }

  /** Back to the beginning: for a reader that rebuilds its effect from position 0 in the same transaction. */
  async reset(name: string, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query('DELETE FROM es_checkpoints WHERE name = $1', [name]);
  }

  /** Moves forward only: a late writer never moves a checkpoint back. */
  async save(name: string, position: bigint, executor: SqlExecutor = this.db): Promise<void> {
    await executor.query(
      `INSERT INTO es_checkpoints (name, position) VALUES ($1, $2::bigint)
       ON CONFLICT (name) DO UPDATE SET position = GREATEST(es_checkpoints.position, excluded.position), updated_at = now()`,
      [name, String(position)],
    );
  }
}
