import { applyMigrations } from './migrations';
import type { SqlDatabase } from './sql-database.port';

export interface InstanceInfo {
  /** Chosen when the data was first created; the same after every restart. */
  instanceId: string;
  createdAt: Date;
}

/**
 * Reads (or, on first start, creates) the identity of the data this hub runs on, so an
 * operator can tell a restart that kept its data from one that started empty.
 */
export async function identifyInstance(db: SqlDatabase): Promise<InstanceInfo> {
  await applyMigrations(db, 'instance', [
    `CREATE TABLE IF NOT EXISTS passerelle_instance (
      singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      instance_id uuid NOT NULL DEFAULT gen_random_uuid(),
      created_at  timestamptz NOT NULL DEFAULT now()
    )`,
  ]);
  return db.transaction(async (tx) => {
    await tx.query('INSERT INTO passerelle_instance DEFAULT VALUES ON CONFLICT (singleton) DO NOTHING');
    const { rows } = await tx.query<{ instance_id: string; created_at: Date | string }>(
      'SELECT instance_id, created_at FROM passerelle_instance',
    );
    const row = rows[0]!;
    return { instanceId: row.instance_id, createdAt: new Date(row.created_at) };
  });
}
