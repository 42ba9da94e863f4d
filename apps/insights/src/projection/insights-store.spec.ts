import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import type { Channel } from '@passerelle/contracts';
import { foldLog, type Fact, type InsightEvent } from '../domain/facts';
import { InsightsStore } from './insights-store';

const CHANNELS: Channel[] = ['web', 'phone', 'counter', 'email'];
const ORGS = ['qc.alpha', 'qc.beta'];

/** Case `caseId`'s events `names`, in order: publishers, channels and days taken in turn. */
function caseLog(caseId: string, names: string[]): InsightEvent[] {
  return names.map((name, sequence) => ({
    caseId,
    sequence,
    publisher: ORGS[sequence % ORGS.length]!,
    name,
    channel: CHANNELS[sequence % CHANNELS.length]!,
    time: new Date(Date.UTC(2026, 10, 2 + Math.floor(sequence / 25), 9, sequence % 60)).toISOString(),
    data: name === 'ServiceRequested' ? { service: `svc-${sequence % 3}`, provider: ORGS[(sequence + 1) % ORGS.length] } : {},
  }));
}

/** The cases interleaved, as the log holds them. */
function interleave(...cases: InsightEvent[][]): InsightEvent[] {
  const log: InsightEvent[] = [];
  for (let i = 0; i < Math.max(...cases.map((c) => c.length)); i++) for (const c of cases) if (c[i]) log.push(c[i]!);
  return log;
}

const byId = (facts: Fact[]) => new Map(facts.map((f) => [`${f.caseId}/${f.id}`, f]));

describe('the insights store: undecided requests kept apart from their case', () => {
  let db: SqlDatabase;
  let store: InsightsStore;
  beforeEach(async () => {
    db = await PgliteDatabase.open();
    store = await InsightsStore.open(db);
  });
  afterEach(async () => {
    await db.close();
  });

  const stored = async (): Promise<Fact[]> => (await db.query<{ fact: Fact }>('SELECT fact FROM insights_facts')).rows.map((r) => r.fact);

  it('Given cases with many undecided requests, When their events come in batches with redeliveries, Then the facts are those of folding the log once, and each track counts the requests waiting apart', async () => {
    const many = ['CaseOpened', ...Array.from({ length: 60 }, (_, n) => (n % 7 === 3 ? 'AnnotationAdded' : 'ServiceRequested')), 'DecisionRendered', 'ServiceRequested', 'AnnotationAdded'];
    const log = interleave(caseLog('case-many', many), caseLog('case-quick', ['CaseOpened', 'ServiceRequested', 'DecisionRendered', 'ServiceRequested', 'ServiceRequested', 'DecisionRendered']), caseLog('case-none', ['CaseOpened', 'AnnotationAdded']));
    let most = 0;
    for (let i = 0; i < log.length; i += 7) {
      // Each batch delivered again in part with the next: a redelivery changes nothing.
      const batch = log.slice(Math.max(0, i - 3), i + 7);
      await store.apply(batch, { name: 'insights', position: BigInt(i + 7) });
      // Each track knows how many of its requests wait apart, and no more than that waits.
      const { rows } = await db.query<{ case_id: string; track: number; apart: number }>(
        `SELECT case_id, (track->>'undecided')::int AS track, (SELECT count(*)::int FROM insights_undecided u WHERE u.case_id = c.case_id) AS apart FROM insights_cases c WHERE NOT track ? 'open'`,
      );
      expect(rows.length).toBe(new Set(log.slice(0, i + 7).map((e) => e.caseId)).size);
      for (const r of rows) expect(r.apart).toBe(r.track);
      most = Math.max(most, ...rows.map((r) => r.apart));
    }
    expect(most).toBeGreaterThan(40);
    const expected = foldLog(log);
    expect(byId(await stored())).toEqual(byId(expected));
    const decided = expected.filter((f) => f.kind === 'request' && f.decidedAt !== null);
    expect(decided.length).toBe(many.filter((n) => n === 'ServiceRequested').length - 1 + 3);
    // Only the requests made after each case's last decision are left to decide.
    const { rows } = await db.query<{ case_id: string; n: number }>('SELECT case_id, count(*)::int AS n FROM insights_undecided GROUP BY case_id ORDER BY case_id');
    expect(rows).toEqual([{ case_id: 'case-many', n: 1 }]);
  });

  it('Given a track stored with its undecided requests inside it (the earlier shape), When the case goes on and is decided, Then its requests count what they had counted before and after', async () => {
    const log = caseLog('case-old', ['ServiceRequested', 'AnnotationAdded', 'ServiceRequested', 'AnnotationAdded', 'DecisionRendered']);
    const expected = byId(foldLog(log));
    // What the projection stored of the first two events before the change.
    const first = expected.get('case-old/r:0') as Extract<Fact, { kind: 'request' }>;
    const older = {
      caseId: 'case-old',
      revision: 1,
      channels: ['web', 'phone'],
      service: 'svc-0',
      segment: 'unspecified',
      contacts: { '2026-11-02': { 'qc.alpha|web|svc-0|unspecified': 1, 'qc.beta|phone|svc-0|unspecified': 1 } },
      open: [{ fact: { ...first, decidedAt: null, contacts: null, channels: null, repeatContacts: null }, contacts: { 'qc.alpha|web|2026-11-02': 1, 'qc.beta|phone|2026-11-02': 1 }, between: 1 }],
      pending: [],
    };
    await db.query('INSERT INTO insights_cases (case_id, track) VALUES ($1, $2::jsonb)', ['case-old', JSON.stringify(older)]);

    await store.apply(log.slice(2, 3), { name: 'insights', position: 3n });
    expect((await db.query<{ n: number }>("SELECT count(*)::int AS n FROM insights_undecided WHERE case_id = 'case-old'")).rows[0]!.n).toBe(2);
    expect((await db.query<{ older: boolean }>("SELECT track ? 'open' AS older FROM insights_cases WHERE case_id = 'case-old'")).rows[0]!.older).toBe(false);
    await store.apply(log.slice(3), { name: 'insights', position: 5n });

    const facts = byId(await stored());
    for (const id of ['case-old/r:0', 'case-old/r:2']) expect(facts.get(id)).toEqual(expected.get(id));
    expect(facts.get('case-old/r:0')).toMatchObject({ contacts: { 'qc.alpha|web|2026-11-02': 2, 'qc.beta|phone|2026-11-02': 1, 'qc.alpha|counter|2026-11-02': 1, 'qc.beta|email|2026-11-02': 1 }, repeatContacts: 3, channels: 4 });
  });
});
