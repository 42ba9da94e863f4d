import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CASE_STREAM_PREFIX } from '@passerelle/contracts';
import type { EventStore } from '@passerelle/event-store';
import type { MemberOrganization } from '@passerelle/identity';
import { HistoryVerifier, type Failure, type VerificationReport } from './history';
import type { LogVerificationOptions } from './log';
import type { WorkItem, WorkResult } from './parallel-protocol';

export interface ParallelOptions extends Omit<LogVerificationOptions, 'signatures' | 'validator'> {
  /** Threads checking signatures and schemas (the main thread reads and checks the chain). */
  workers: number;
  /** The federation's members with their key history, as of now. */
  organizations: MemberOrganization[];
  /** Every registered schema document (the catalog and what the registry added). */
  schemas: unknown[];
}

const CHUNK = 256;

/** Whether this build can run verification threads (compiled JavaScript, not TypeScript sources). */
export function canVerifyInParallel(): boolean {
  return existsSync(join(__dirname, 'signature-worker.js'));
}

/**
 * verifyLog on several cores: the main thread reads the log and checks every chain link;
 * signature and schema checks, the expensive part, go in chunks to worker threads. The
 * report is the same as verifyLog's: the first failure in log order, whichever check found it.
 */
export async function verifyLogInParallel(store: EventStore, options: ParallelOptions): Promise<VerificationReport> {
  const chain = new HistoryVerifier();
  const whole = !options.from && !options.to;
  const { position: end, heads } = await store.heads();
  const workers = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(join(__dirname, 'signature-worker.js'), { workerData: { organizations: options.organizations, schemas: options.schemas } }));
  const pending = new Map<number, { resolve: (r: WorkResult) => void; reject: (e: unknown) => void }>();
  for (const worker of workers) {
    worker.on('message', (result: WorkResult) => {
      pending.get(result.id)?.resolve(result);
      pending.delete(result.id);
    });
    worker.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  }
  let nextChunk = 0;
  let attested = 0;
  const inFlight = new Set<Promise<WorkResult>>();
  let signatureFailure: (WorkResult['failure'] & { at: Omit<Failure, 'kind' | 'message'> }) | undefined;
  const located = new Map<number, Omit<Failure, 'kind' | 'message'>>();
  const send = (items: WorkItem[]) => {
    const id = nextChunk++;
    const worker = workers[id % workers.length]!;
    const done = new Promise<WorkResult>((resolve, reject) => pending.set(id, { resolve, reject }));
    worker.postMessage({ id, items });
    const tracked = done.then((result) => {
      inFlight.delete(tracked);
      attested += result.attested;
      if (result.failure && (!signatureFailure || result.failure.ordinal < signatureFailure.ordinal)) {
        signatureFailure = { ...result.failure, at: located.get(result.failure.ordinal)! };
      }
      for (const item of items) located.delete(item.ordinal);
      return result;
    });
    inFlight.add(tracked);
    return tracked;
  };

  let ordinal = 0;
  let chunk: WorkItem[] = [];
  let after = 0n;
  try {
    reading: while (after < end) {
      const page = await store.readAll({ fromPosition: after, limit: options.pageSize ?? 1_000 });
      if (page.length === 0) break;
      for (const event of page) {
        if (event.position > end) break;
        if ((options.from && event.recordedAt < options.from) || (options.to && event.recordedAt >= options.to)) continue;
        if (!whole) chain.startAt(event.streamId, event.revision, event.prevHash);
        if (!chain.push(event)) break reading;
        if (event.streamId.startsWith(CASE_STREAM_PREFIX)) {
          located.set(ordinal, { streamId: event.streamId, revision: String(event.revision), position: String(event.position), eventId: event.id });
          chunk.push({ ordinal, revision: String(event.revision), envelope: event.data, metadata: event.metadata });
          if (chunk.length === CHUNK) {
            send(chunk);
            chunk = [];
            // Bounded memory: a few chunks per thread in flight.
            while (inFlight.size >= workers.length * 4) await Promise.race(inFlight);
          }
        }
        ordinal += 1;
      }
      after = page.at(-1)!.position;
      options.onProgress?.({ verified: ordinal, position: after < end ? after : end, end });
      if (signatureFailure) break;
    }
    if (chunk.length > 0) send(chunk);
    await Promise.all(inFlight);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }

  const chainReport = chain.report(whole ? ['head'] : []);
  const checked: VerificationReport['checked'] = ['chain', 'signatures', 'schemas', ...(whole ? (['head'] as const) : [])];
  const chainOrdinal = chainReport.failure ? chainReport.eventsVerified : Number.POSITIVE_INFINITY;
  if (signatureFailure && signatureFailure.ordinal < chainOrdinal) {
    const { at, kind, message } = signatureFailure;
    return { ok: false, streams: chainReport.streams, eventsVerified: signatureFailure.ordinal, checked, failure: { ...at, kind, message } };
  }
  if (chainReport.failure) return { ...chainReport, checked };
  if (whole) for (const head of heads) if (!chain.expectHead(head.streamId, head, 'head')) break;
  return { ...chain.report(whole ? ['head'] : []), checked, ...(attested > 0 ? { attested } : {}) };
}
