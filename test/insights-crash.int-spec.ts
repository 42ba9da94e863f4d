import { randomUUID } from 'node:crypto';
import { caseStreamId } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { admitTestOrganization, createScratchDatabase, storedCaseEvent, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { planJourneys } from '../apps/cli/src/simulate/journeys';
import { foldLog, type InsightEvent } from '../apps/insights/src/domain/facts';
import { channelMeasures, handoffMeasures, journeyMeasures } from '../apps/insights/src/domain/measures';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

/**
 * The insights projection as its own process on PostgreSQL, SIGKILLed while it works through
 * a log of simulated journeys, then started again: it resumes from its checkpoint and counts
 * no event twice, and a rebuild from position 0 gives the same figures.
 */
describe('insights projection: killed mid-way, it resumes without counting an event twice', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let env: Record<string, string>;
  let auditor: TestOrganization;
  let target: TargetProcess | undefined;
  const orgs: string[] = [];
  const log: InsightEvent[] = [];
  let head = 0n;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    auditor = await admitTestOrganization(db, ['auditor', 'operator']);
    for (let i = 0; i < 3; i++) orgs.push((await admitTestOrganization(db, ['publisher', 'subscriber'])).id);
    const store = await SqlEventStore.open(db);
    const plan = planJourneys(
      { cases: 2_500, days: 2, start: '2026-11-02', organizations: orgs, seed: 11, digitalShare: 0.6, repeatMean: 1.5, switchRate: 0.3, transferRate: 0.2, decisionRate: 0.8, decisionHours: 30, satisfactionRate: 0.5 },
      'crash',
    );
    for (let i = 0; i < plan.length; i += 250) {
      const outcomes = await store.appendMany(
        plan.slice(i, i + 250).map((c) => ({ streamId: caseStreamId(c.caseId), events: c.events.map((e) => storedCaseEvent(e.publisher, e.envelope)), expectedRevision: 'no_stream' as const })),
      );
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    for (const c of plan) {
      c.events.forEach((e, sequence) => {
        log.push({ caseId: c.caseId, sequence, publisher: e.publisher, name: e.envelope.type.split('.')[2]!, channel: e.envelope.channel, time: e.envelope.time, data: e.envelope.data });
      });
    }
    head = (await store.heads({ streamPrefix: '\u0001' })).position;
    // Small batches: many transactions, so the kill lands between and within them.
    env = { DATABASE_URL: scratch.url, PASSERELLE_GROUP_PREFIX: `crash-${randomUUID().slice(0, 8)}`, PASSERELLE_INSIGHTS_BATCH: '40', LOG_LEVEL: 'info' };
  }, 120_000);
  afterAll(async () => {
    if (target) await terminate(target);
    await db?.close();
    await scratch?.drop();
  });

  const checkpoint = async () => {
    const { rows } = await db.query<{ position: string }>('SELECT position::text AS position FROM es_checkpoints WHERE name = $1', [`${env.PASSERELLE_GROUP_PREFIX}-insights`]);
    return BigInt(rows[0]?.position ?? 0);
  };
  const until = async (what: string, check: () => Promise<boolean>, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const get = async (url: string, path: string) => {
    const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${await auditor.token(['auditor', 'operator'])}` } });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('counts each event once across a SIGKILL, and a rebuild from 0 gives the same figures', async () => {
    target = spawnTarget('insights', env);
    await listeningUrl(target);
    await until('the projection to be under way', async () => (await checkpoint()) > 0n);
    target.child.kill('SIGKILL');
    await target.exited;
    const atKill = await checkpoint();
    expect(atKill).toBeGreaterThan(0n);
    expect(atKill).toBeLessThan(head);

    target = spawnTarget('insights', env);
    const url = await listeningUrl(target);
    await until('the projection to reach the head', async () => (await checkpoint()) >= head);

    // What the same log gives folded in memory, once.
    const all = foldLog(log);
    const requests = all.filter((f) => f.kind === 'request');
    const expected = {
      channels: channelMeasures({ contacts: all.filter((f) => f.kind === 'contact'), requests, satisfaction: all.filter((f) => f.kind === 'satisfaction') }, null, 5, 'organization'),
      journeys: journeyMeasures(requests, 5, 'organization'),
      handoffs: handoffMeasures(all.filter((f) => f.kind === 'handoff'), 5),
    };
    const range = 'from=2026-11-01&to=2026-12-31';
    const first = {
      channels: await get(url, `/insights/channels?${range}&grain=organization`),
      journeys: await get(url, `/insights/journeys?${range}&grain=organization`),
      handoffs: await get(url, `/insights/handoffs?${range}`),
    };
    for (const report of ['channels', 'journeys', 'handoffs'] as const) {
      expect(first[report].status).toBe(200);
      expect({ cells: first[report].body.cells, totals: first[report].body.totals }).toEqual(JSON.parse(JSON.stringify(expected[report])));
    }
    // Every event counted once: the contacts the projection holds add up to the log.
    const contacts = await db.query<{ n: string }>("SELECT sum(c.n::int)::text AS n FROM insights_facts, jsonb_each_text(fact->'counts') AS c(key, n) WHERE kind = 'contact'");
    const requested = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM insights_facts WHERE kind = 'request'");
    expect([contacts.rows[0]!.n, requested.rows[0]!.n]).toEqual([String(log.length), String(log.filter((e) => e.name === 'ServiceRequested').length)]);

    // A rebuild from position 0 gives the very same figures.
    const rebuild = await get(url, '/insights/status');
    expect(rebuild).toMatchObject({ status: 200, body: { position: String(head), head: String(head), rebuilding: false } });
    const started = await fetch(`${url}/insights/rebuild`, { method: 'POST', headers: { authorization: `Bearer ${await auditor.token(['operator'])}` } });
    expect(started.status).toBe(202);
    await until('the rebuild to finish', async () => (await get(url, '/insights/status')).body.rebuilding === false);
    for (const report of ['channels', 'journeys', 'handoffs'] as const) {
      const again = await get(url, `/insights/${report}?${range}${report === 'handoffs' ? '' : '&grain=organization'}`);
      expect({ cells: again.body.cells, totals: again.body.totals }).toEqual({ cells: first[report].body.cells, totals: first[report].body.totals });
    }
  }, 300_000);
});
