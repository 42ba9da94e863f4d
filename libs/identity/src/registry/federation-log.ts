import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { InMemoryDirectory, type FederationDirectory, type MemberOrganization } from '../federation';
import { evolve, initialFederation, type FederationEvent, type FederationState } from './federation-events';

const MIGRATIONS = [
  `CREATE TABLE IF NOT EXISTS federation_events (
  position    bigserial PRIMARY KEY,
  type        text NOT NULL,
  data        jsonb NOT NULL,
  actor       text NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now()
)`,
];

export interface RecordedFederationEvent {
  position: number;
  type: FederationEvent['type'];
  data: FederationEvent['data'];
  actor: string;
  recordedAt: string;
}

/**
 * The member directory every process reads, folded from the append-only `federation_events`
 * table and refreshed every few seconds (and at once after a local change), so a key revoked
 * through any process is refused by all of them within that interval.
 */
export class FederationLog implements FederationDirectory {
  private state: FederationState = initialFederation();
  private position = 0;
  private directory = new InMemoryDirectory([]);
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly db: SqlDatabase) {}

  static async open(db: SqlDatabase, refreshMs = 2_000): Promise<FederationLog> {
    await applyMigrations(db, 'federation', MIGRATIONS);
    const log = new FederationLog(db);
    await log.refresh();
    if (refreshMs > 0) {
      log.timer = setInterval(() => void log.refresh().catch(() => undefined), refreshMs);
      log.timer.unref();
    }
    return log;
  }

  async refresh(): Promise<void> {
    await this.catchUp(this.db);
  }

  /** Folds events appended since the last read, through `executor` (e.g. inside a transaction). */
  async catchUp(executor: SqlExecutor): Promise<FederationState> {
    const { rows } = await executor.query<{ position: string; type: FederationEvent['type']; data: FederationEvent['data'] }>(
      'SELECT position, type, data FROM federation_events WHERE position > $1 ORDER BY position',
      [this.position],
    );
    // Two refreshes may read the same rows; each row is folded once, in order.
    let changed = false;
    for (const row of rows) {
      const position = Number(row.position);
      if (position <= this.position) continue;
      this.state = evolve(this.state, { type: row.type, data: row.data } as FederationEvent);
      this.position = position;
      changed = true;
    }
    if (changed) this.directory.replace([...this.state.organizations.values()]);
    return this.state;
  }

  async history(): Promise<RecordedFederationEvent[]> {
    const { rows } = await this.db.query<{ position: string; type: FederationEvent['type']; data: FederationEvent['data']; actor: string; recorded_at: Date | string }>(
      'SELECT position, type, data, actor, recorded_at FROM federation_events ORDER BY position',
    );
    return rows.map((r) => ({ position: Number(r.position), type: r.type, data: r.data, actor: r.actor, recordedAt: new Date(r.recorded_at).toISOString() }));
  }

  organizations(): MemberOrganization[] {
    return [...this.state.organizations.values()];
  }

  organization(id: string): MemberOrganization | undefined {
    return this.directory.organization(id);
  }

  organizationByIssuer(iss: string): MemberOrganization | undefined {
    return this.directory.organizationByIssuer(iss);
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
