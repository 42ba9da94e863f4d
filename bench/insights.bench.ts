import { caseEventMetadata, caseStreamId, committedEnvelope, upcast } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { Checkpoints, followAll, SqlEventStore, type RecordedEvent } from '@passerelle/event-store';
import { storedCaseEvent } from '@passerelle/testing';
import { planJourneys } from '../apps/cli/src/simulate/journeys';
import { insightEvent } from '../apps/insights/src/projection/insights-projector';
import { InsightsStore } from '../apps/insights/src/projection/insights-store';
import { ViewStore, type ViewItem } from '../apps/views/src/projection/view-store';
import type { Infrastructure } from './infrastructure';
import { compare, type Figure } from './measure';

/** Events in the projection comparison; the rebuild's log size is INSIGHTS_REBUILD_EVENTS (default 1M). */
const PROJECTION_EVENTS = Number(process.env.INSIGHTS_PROJECTION_EVENTS ?? 30_000);
const REBUILD_EVENTS = Number(process.env.INSIGHTS_REBUILD_EVENTS ?? 1_000_000);
const BATCH = 500;

/** Fills a fresh store with simulated journeys: at least `events` case events. */
async function simulatedLog(url: string, events: number): Promise<{ db: PostgresDatabase; store: SqlEventStore; count: number }> {
  const db = await PostgresDatabase.open({ url, max: 10 });
  const store = await SqlEventStore.open(db);
  const organizations = ['qc.ramq', 'qc.mess', 'qc.saaq'];
  // About six events a case with these distributions: planned again, larger, until the log holds at least `events`.
  const journeys = (cases: number) =>
    planJourneys({ cases, days: 30, start: '2026-10-01', organizations, seed: 3, digitalShare: 0.6, repeatMean: 1.5, switchRate: 0.3, transferRate: 0.15, decisionRate: 0.85, decisionHours: 72, satisfactionRate: 0.4 }, 'bench');
  const eventsOf = (planned: ReturnType<typeof journeys>) => planned.reduce((n, c) => n + c.events.length, 0);
  let plan = journeys(Math.ceil(events / 6));
  while (eventsOf(plan) < events) plan = journeys(Math.ceil((plan.length * events * 1.01) / eventsOf(plan)));
  let count = 0;
  for (let i = 0; i < plan.length; i += 500) {
    const slice = plan.slice(i, i + 500);
    await store.appendMany(slice.map((c) => ({ streamId: caseStreamId(c.caseId), events: c.events.map((e) => storedCaseEvent(e.publisher, e.envelope)), expectedRevision: 'no_stream' as const })));
    count += slice.reduce((n, c) => n + c.events.length, 0);
    if (i % 20_000 === 0) process.stderr.write(`bench: insights: ${count} events written…\n`);
  }
  return { db, store, count };
}

async function readLog(store: SqlEventStore): Promise<RecordedEvent[][]> {
  const batches: RecordedEvent[][] = [];
  for (let page = await store.readAll({ limit: BATCH }); page.length > 0; page = await store.readAll({ fromPosition: page.at(-1)!.position, limit: BATCH })) batches.push(page);
  return batches;
}

/** The views' own reading of an event (apps/views projector), for the baseline. */
function viewItems(batch: RecordedEvent[]): ViewItem[] {
  return batch.flatMap((event) => {
    const e = upcast(committedEnvelope(event));
    const committed = { id: e.id, source: e.source, type: e.type, time: e.time, channel: e.channel, caseid: e.caseid, data: e.data, revision: Number(e.caserevision), position: Number(e.logposition), hash: e.hash! };
    return caseEventMetadata(event).audience.map((organization) => ({ organization, event: committed }));
  });
}

/**
 * "insights projection": the insights projection applying the log in batches of 500 (one
 * transaction each, checkpoint included), against the views projection applying the same
 * batches in the same run, both from memory so only the projections are measured.
 * "insights rebuild": a reset and a catch-up through the log follower, as POST
 * /insights/rebuild does, over a log of INSIGHTS_REBUILD_EVENTS events.
 */
export async function insightsBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const figures: Figure[] = [];
  {
    const { db, store, count } = await simulatedLog(await infra.database(), PROJECTION_EVENTS);
    const batches = await readLog(store);
    const insights = await InsightsStore.open(db);
    const views = await ViewStore.open(db);
    const checkpoints = await Checkpoints.open(db);
    const insightBatches = batches.map((b) => b.map(insightEvent));
    const viewBatches = batches.map(viewItems);
    const figure = await compare(
      'insights projection',
      'events/s',
      count,
      async () => {
        await insights.reset('bench-insights');
        for (const [i, batch] of insightBatches.entries()) await insights.apply(batch, { name: 'bench-insights', position: batches[i]!.at(-1)!.position });
      },
      {
        name: 'views projection',
        run: async () => {
          await db.query('DELETE FROM view_cases');
          await checkpoints.reset('bench-views');
          for (const [i, batch] of viewBatches.entries()) await views.apply(batch, { name: 'bench-views', position: batches[i]!.at(-1)!.position });
        },
      },
      { rounds: 3, warmupRounds: 1, goalRatio: 0.8, note: `${count} simulated case events (${batches.length} batches of ${BATCH}), applied from memory, one transaction a batch` },
    );
    figures.push(figure);
    await store.close();
    await db.close();
  }
  {
    const { db, store, count } = await simulatedLog(await infra.database(), REBUILD_EVENTS);
    const insights = await InsightsStore.open(db);
    const head = (await store.heads({ streamPrefix: '\u0001' })).position;
    const started = performance.now();
    await insights.reset('bench-rebuild');
    await new Promise<void>((resolve, reject) => {
      let last = 0n;
      const follower = followAll(store, {
        from: () => insights.checkpoints.read('bench-rebuild'),
        batchSize: BATCH,
        handle: async (batch) => {
          last = batch.at(-1)!.position;
          // As the projector reads: the whole log, case streams picked in memory.
          await insights.apply(batch.filter((e) => e.streamId.startsWith('case-')).map(insightEvent), { name: 'bench-rebuild', position: last });
          if (last >= head) void follower.stop().then(resolve, reject);
        },
        onError: (err) => reject(err as Error),
      });
    });
    const seconds = (performance.now() - started) / 1000;
    figures.push({
      benchmark: `insights rebuild of ${count.toLocaleString('en-US')} events`,
      unit: 's',
      value: seconds,
      rounds: [seconds],
      note: `reset, then the log follower from position 0 to the head in batches of ${BATCH} (${Math.round(count / seconds)} events/s)`,
    });
    await store.close();
    await db.close();
  }
  return figures;
}
