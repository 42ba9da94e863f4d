import { applyMigrations, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { Checkpoints } from '@passerelle/event-store';
import { isNew, needsUndecided, newTrack, storedTrack, track, type CaseTrack, type Fact, type InsightEvent, type OpenRequest, type TrackBeforeUndecidedApart } from '../domain/facts';
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
  // Each case's undecided requests, apart from its track: written once, read back by the decision.
  `CREATE TABLE IF NOT EXISTS insights_undecided (
    case_id text  NOT NULL,
    fact_id text  NOT NULL,
    request jsonb NOT NULL,
    PRIMARY KEY (case_id, fact_id)
  )`,
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
      const { tracks, undecided, upgraded } = await this.lock(tx, events);
      const changed = new Map<string, CaseTrack>(upgraded.map((t) => [t.caseId, t]));
      const facts = new Map<string, Fact>();
      // Cases whose stored undecided requests this batch decided, and the requests it made still undecided.
      const decided = new Set<string>();
      const opened = new Map<string, OpenRequest[]>();
      let counted = 0;
      for (const event of events) {
        const state = tracks.get(event.caseId) ?? newTrack(event.caseId);
        if (!isNew(state, event)) continue;
        const result = track(state, event, needsUndecided(state, event) ? [...(undecided.get(event.caseId) ?? []), ...(opened.get(event.caseId) ?? [])] : []);
        tracks.set(event.caseId, result.state);
        changed.set(event.caseId, result.state);
        for (const fact of result.facts) facts.set(`${fact.caseId}\u0000${fact.id}`, fact);
        if (result.decided) {
          decided.add(event.caseId);
          undecided.set(event.caseId, []);
          opened.delete(event.caseId);
        }
        if (result.opened) {
          const made = opened.get(event.caseId);
          if (made) made.push(result.opened);
          else opened.set(event.caseId, [result.opened]);
        }
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
      if (decided.size > 0) await tx.query('DELETE FROM insights_undecided WHERE case_id = ANY($1::text[])', [[...decided]]);
      const stillOpen = [...opened.values()].flat();
      if (stillOpen.length > 0) await this.writeUndecided(tx, stillOpen);
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
      await tx.query('DELETE FROM insights_undecided');
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

  /**
   * The batch's cases' tracks, locked, and the undecided requests of those a decision in the
   * batch will read. A track stored in the older shape is upgraded: its undecided requests
   * are written apart here and the track rewritten with the batch.
   */
  private async lock(tx: SqlExecutor, events: readonly InsightEvent[]): Promise<{ tracks: Map<string, CaseTrack>; undecided: Map<string, OpenRequest[]>; upgraded: CaseTrack[] }> {
    const tracks = new Map<string, CaseTrack>();
    const undecided = new Map<string, OpenRequest[]>();
    const upgraded: CaseTrack[] = [];
    if (events.length === 0) return { tracks, undecided, upgraded };
    const caseIds = [...new Set(events.map((e) => e.caseId))];
    const { rows } = await tx.query<{ track: CaseTrack | TrackBeforeUndecidedApart }>('SELECT track FROM insights_cases WHERE case_id = ANY($1::text[]) ORDER BY case_id FOR UPDATE', [caseIds]);
    for (const row of rows) {
      const stored = storedTrack(row.track);
      tracks.set(stored.track.caseId, stored.track);
      if (stored.undecided) {
        undecided.set(stored.track.caseId, stored.undecided);
        upgraded.push(stored.track);
      }
    }
    const older = upgraded.flatMap((t) => undecided.get(t.caseId)!);
    if (older.length > 0) await this.writeUndecided(tx, older);
    const deciding = [...new Set(events.filter((e) => e.name === 'DecisionRendered' && (tracks.get(e.caseId)?.undecided ?? 0) > 0 && !undecided.has(e.caseId)).map((e) => e.caseId))];
    if (deciding.length > 0) {
      const read = await tx.query<{ case_id: string; request: OpenRequest }>('SELECT case_id, request FROM insights_undecided WHERE case_id = ANY($1::text[])', [deciding]);
      for (const id of deciding) undecided.set(id, []);
      for (const r of read.rows) undecided.get(r.case_id)!.push(r.request);
    }
    return { tracks, undecided, upgraded };
  }

  private async writeUndecided(tx: SqlExecutor, requests: readonly OpenRequest[]): Promise<void> {
    await tx.query(
      `INSERT INTO insights_undecided (case_id, fact_id, request)
       SELECT r->'fact'->>'caseId', r->'fact'->>'id', r FROM jsonb_array_elements($1::jsonb) AS r
       ON CONFLICT (case_id, fact_id) DO UPDATE SET request = excluded.request`,
      [JSON.stringify(requests)],
    );
  }
}
