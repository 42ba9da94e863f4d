import { PostgresDatabase } from '@passerelle/database';
import { performance } from 'node:perf_hooks';
import { ViewStore, type CommittedEvent } from '../apps/views/src/index';
import type { Infrastructure } from './infrastructure';
import { median, type Figure } from './measure';

const CASE_LENGTH = 10_000;
/** Events per projection batch: live traffic arrives a few at a time. */
const BATCH = 10;
/** Events per measured round, within the first and the last thousand. */
const ROUND = 200;

/** A ~700-byte case event as the views receive it (already committed). */
function committed(caseId: string, sequence: number): CommittedEvent {
  return {
    id: `evt-${caseId}-${sequence}`,
    source: 'urn:passerelle:org:qc.ramq',
    type: sequence === 0 ? 'passerelle.case.CaseOpened.v1' : 'passerelle.case.ServiceRequested.v1',
    time: new Date().toISOString(),
    channel: 'counter',
    caseid: caseId,
    data: sequence === 0 ? { owner: 'qc.ramq', title: 'bench' } : { service: `svc-${sequence}`, description: 'x'.repeat(600), provider: 'qc.ramq' },
    revision: sequence,
    position: sequence + 1,
    hash: sequence.toString(16).padStart(64, '0'),
  };
}

/**
 * The views projection's append cost along one case of 10,000 events, applied in batches of
 * ten with the checkpoint, as the projector does: the last thousand events against the first
 * thousand of the same case. A timeline kept as one document made the n-th event rewrite n
 * entries; as rows, the ratio stays near 1.
 */
export async function viewsBenchmark(infra: Infrastructure): Promise<Figure[]> {
  const db = await PostgresDatabase.open({ url: await infra.database() });
  try {
    const views = await ViewStore.open(db);
    // Warm up (JIT, caches, the tables' first pages) on another case, so the first thousand is not also the first ever.
    for (let done = 0; done < 1_000; done += BATCH) {
      await views.apply(Array.from({ length: BATCH }, (_, i) => ({ organization: 'qc.mess', event: committed('bench-warm-up', done + i) })));
    }
    const caseId = 'bench-long-case';
    const first: number[] = [];
    const last: number[] = [];
    let round: { start: number; events: number } = { start: performance.now(), events: 0 };
    for (let done = 0; done < CASE_LENGTH; done += BATCH) {
      if (done % ROUND === 0) round = { start: performance.now(), events: 0 };
      const batch = Array.from({ length: BATCH }, (_, i) => ({ organization: 'qc.mess', event: committed(caseId, done + i) }));
      await views.apply(batch, { name: 'bench-views', position: BigInt(done + BATCH) });
      round.events += BATCH;
      if ((done + BATCH) % ROUND === 0) {
        const rate = round.events / ((performance.now() - round.start) / 1000);
        if (done < 1_000) first.push(rate);
        if (done >= CASE_LENGTH - 1_000) last.push(rate);
      }
    }
    const view = await views.get('qc.mess', caseId);
    if (view?.timeline.length !== CASE_LENGTH) throw new Error(`the bench view has ${view?.timeline.length} entries, not ${CASE_LENGTH}`);
    const value = median(last);
    const base = median(first);
    return [
      {
        benchmark: 'views: events 9,001–10,000 of one case',
        unit: 'events/s',
        value,
        rounds: last,
        baseline: { name: 'events 1–1,000, same case', value: base, rounds: first },
        ratio: value / base,
        goal: { ratio: 0.8 },
        note: `one case of ${CASE_LENGTH.toLocaleString('en-US')} events, batches of ${BATCH} with the checkpoint, rounds of ${ROUND}; the view read back whole: ${CASE_LENGTH.toLocaleString('en-US')} entries`,
      },
    ];
  } finally {
    await db.close();
  }
}
