import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { Checkpoints } from '@passerelle/event-store';
import { isNew, newTrack, track, type CaseTrack, type Fact, type InsightEvent } from '../domain/facts';
import type { Tariff } from '../domain/tariff';

const MIGRATIONS = [
  // The running state of each case (no citizen identifier: see domain/facts.ts).
  `CREATE TABLE IF NOT EXISTS insights_cases (
    case_id text  PRIMARY KEY,
    track   jsonb NOT NULL
  )`,
  // Facts in their day, replaced by id when they change (a request once decided, a contact count).
  `CREATE TABLE IF NOT EXISTS insights_facts (
    case_id text  NOT NULL,
    fact_id text  NOT NULL,
    kind    text  NOT NULL,
    day     date  NOT NULL,
    fact    jsonb NOT NULL,
    PRIMARY KEY (case_id, fact_id)
  )`,
  `CREATE INDEX IF NOT EXISTS insights_facts_by_day ON insights_facts (kind, day)`,
  `CREATE TABLE IF NOT EXISTS insights_services (service text PRIMARY KEY)`,
  // Every tariff ever declared; the highest version is the one in force.
  `CREATE TABLE IF NOT EXISTS insights_tariffs (
    version     integer     PRIMARY KEY,
    tariff      jsonb       NOT NULL,
    declared_by text        NOT NULL,
    declared_at timestamptz NOT NULL DEFAULT now()
  )`,
];

export interface TariffVersion {
  version: number;
  declaredBy: string;
  declaredAt: string;
  tariff: Tariff;
}

/**
 * The insights projection in SQL. A batch is applied in one transaction that locks the cases
 * it touches, skips what a case already reflects (a redelivery changes nothing), writes the
 * facts it changes and moves the checkpoint: each event counts exactly once, whatever
 * crashes in between.
 */
export class InsightsStore {
  /** Services already recorded: most batches name none new. */
  private readonly known = new Set<string>();

  private constructor(
    private readonly db: SqlDatabase,
    readonly checkpoints: Checkpoints,
  ) {}

  static async open(db: SqlDatabase): Promise<InsightsStore> {
    await applyMigrations(db, 'insights', MIGRATIONS);
    return new InsightsStore(db, await Checkpoints.open(db));
  }

  /** Folds the events (in log order) and saves the checkpoint with their effect; returns how many counted. */
  async apply(events: readonly InsightEvent[], checkpoint: { name: string; position: bigint }): Promise<number> {
    return this.db.transaction(async (tx) => {
      const tracks = await this.lock(tx, [...new Set(events.map((e) => e.caseId))]);
      const changed = new Map<string, CaseTrack>();
      const facts = new Map<string, Fact>();
      let counted = 0;
      for (const event of events) {
        const state = tracks.get(event.caseId) ?? newTrack(event.caseId);
        if (!isNew(state, event)) continue;
        const result = track(state, event);
        tracks.set(event.caseId, result.state);
        changed.set(event.caseId, result.state);
        for (const fact of result.facts) facts.set(`${fact.caseId}\u0000${fact.id}`, fact);
        counted += 1;
      }
      if (changed.size > 0) {
        await tx.query(
          `INSERT INTO insights_cases (case_id, track)
           SELECT t->>'caseId', t FROM jsonb_array_elements($1::jsonb) AS t
           ON CONFLICT (case_id) DO UPDATE SET track = excluded.track`,
          [JSON.stringify([...changed.values()])],
        );
      }
      if (facts.size > 0) {
        await tx.query(
          `INSERT INTO insights_facts (case_id, fact_id, kind, day, fact)
           SELECT f->>'caseId', f->>'id', f->>'kind', (f->>'day')::date, f FROM jsonb_array_elements($1::jsonb) AS f
           ON CONFLICT (case_id, fact_id) DO UPDATE SET fact = excluded.fact`,
          [JSON.stringify([...facts.values()])],
        );
        const services = [...new Set([...facts.values()].flatMap((f) => (f.kind === 'request' && !this.known.has(f.service) ? [f.service] : [])))];
        if (services.length > 0) await tx.query('INSERT INTO insights_services (service) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING', [services]);
      }
      await this.checkpoints.save(checkpoint.name, checkpoint.position, tx);
      return { counted, services: [...facts.values()].flatMap((f) => (f.kind === 'request' ? [f.service] : [])) };
    }).then(({ counted, services }) => {
      // Only once committed: a rolled-back batch must not make a service look recorded.
      for (const s of services) this.known.add(s);
      return counted;
    });
  }

  /** Forgets everything the projection counted and its checkpoint, in one transaction: the start of a rebuild. */
  async reset(name: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query('DELETE FROM insights_cases');
      await tx.query('DELETE FROM insights_facts');
      await tx.query('DELETE FROM insights_services');
      await this.checkpoints.reset(name, tx);
    });
    this.known.clear();
  }

  async facts<K extends Fact['kind']>(kinds: readonly K[], from: string, to: string): Promise<Array<Extract<Fact, { kind: K }>>> {
    const { rows } = await this.db.query<{ fact: Extract<Fact, { kind: K }> }>('SELECT fact FROM insights_facts WHERE kind = ANY($1::text[]) AND day BETWEEN $2::date AND $3::date', [kinds, from, to]);
    return rows.map((r) => r.fact);
  }

  async services(): Promise<string[]> {
    const { rows } = await this.db.query<{ service: string }>('SELECT service FROM insights_services ORDER BY service');
    return rows.map((r) => r.service);
  }

  async tariff(): Promise<TariffVersion | undefined> {
    return (await this.tariffs(1))[0];
  }

  /** Newest first. */
  async tariffs(limit = 100): Promise<TariffVersion[]> {
    const { rows } = await this.db.query<{ version: number; tariff: Tariff; declared_by: string; declared_at: Date | string }>(
      'SELECT version, tariff, declared_by, declared_at FROM insights_tariffs ORDER BY version DESC LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ version: Number(r.version), tariff: r.tariff, declaredBy: r.declared_by, declaredAt: new Date(r.declared_at).toISOString() }));
  }

  /** Declares the next version; two declarations at once get distinct versions or one fails on the key. */
  async declareTariff(tariff: Tariff, declaredBy: string): Promise<TariffVersion> {
    const { rows } = await this.db.query<{ version: number; declared_at: Date | string }>(
      `INSERT INTO insights_tariffs (version, tariff, declared_by)
       SELECT coalesce(max(version), 0) + 1, $1::jsonb, $2 FROM insights_tariffs
       RETURNING version, declared_at`,
      [JSON.stringify(tariff), declaredBy],
    );
    return { version: Number(rows[0]!.version), tariff, declaredBy, declaredAt: new Date(rows[0]!.declared_at).toISOString() };
  }

  private async lock(tx: SqlExecutor, caseIds: string[]): Promise<Map<string, CaseTrack>> {
    if (caseIds.length === 0) return new Map();
    const { rows } = await tx.query<{ track: CaseTrack }>('SELECT track FROM insights_cases WHERE case_id = ANY($1::text[]) ORDER BY case_id FOR UPDATE', [caseIds]);
    return new Map(rows.map((r) => [r.track.caseId, r.track]));
  }
}
