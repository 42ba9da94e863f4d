import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CASE_STREAM_PREFIX } from '@passerelle/contracts';
import type { EventStore, ReadAllOptions, RecordedEventJson } from '@passerelle/event-store';
import type { MemberOrganization } from '@passerelle/identity';
import { CHECK_ORDER, HistoryVerifier, type Check, type Failure, type VerificationReport } from './history';
import type { LogVerificationOptions } from './log';
import type { WorkItem, WorkResult } from './parallel-protocol';

export interface ParallelOptions extends Omit<LogVerificationOptions, 'signatures' | 'validator'> {
  /** Threads checking the events' own hashes, and signatures and schemas when given (the main thread reads and checks the links). */
  workers: number;
  /** The federation's members with their key history, as of now: publisher signatures are checked with them. */
  organizations?: MemberOrganization[];
  /** Every registered schema document (the catalog and what the registry added): case events are held to them. */
  schemas?: unknown[];
}

const CHUNK = 256;
const WORKER = 'verification-worker.js';

/** Whether this build can run verification threads (compiled JavaScript, not TypeScript sources). */
export function canVerifyInParallel(): boolean {
  return existsSync(join(__dirname, WORKER));
}

/**
 * verifyLog on several cores: the main thread reads the log and checks that each event
 * follows its stream's previous one; each event's own hash and, when given the members and
 * schemas, each case event's signature and schema are checked in chunks on worker threads.
 * The report is the same as verifyLog's: the first failure in log order, whichever check
 * found it, and of one event's failures the one verifyLog would have reported.
 */
export async function verifyLogInParallel(store: EventStore, options: ParallelOptions): Promise<VerificationReport> {
  const chain = new HistoryVerifier();
  const whole = !options.from && !options.to;
  const { position: end, heads } = await store.heads();
  const pageSize = options.pageSize ?? 1_000;
  const workerData = { organizations: options.organizations, schemas: options.schemas };
  const workers = Array.from({ length: Math.max(1, options.workers) }, () => new Worker(join(__dirname, WORKER), { workerData }));
  const pending = new Map<number, { resolve: (r: WorkResult) => void; reject: (e: unknown) => void }>();
  // A thread that failed (even before any chunk was sent to it) fails every chunk after.
  let broken: { error: unknown } | undefined;
  for (const worker of workers) {
    worker.on('message', (result: WorkResult) => {
      pending.get(result.id)?.resolve(result);
      pending.delete(result.id);
    });
    worker.on('error', (error) => {
      broken ??= { error };
      for (const p of pending.values()) p.reject(error);
      pending.clear();
    });
  }
  let nextChunk = 0;
  let attested = 0;
  const inFlight = new Set<Promise<WorkResult>>();
  let threadFailure: (NonNullable<WorkResult['failure']> & { at: Omit<Failure, 'kind' | 'message'> }) | undefined;
  /** A chunk of events, the first at `first` in reading order; a failure is located among them. */
  const send = (events: RecordedEventJson[], first: number) => {
    const id = nextChunk++;
    const worker = workers[id % workers.length]!;
    const items = events.map((event, i): WorkItem => ({ ordinal: first + i, revision: String(event.revision), prevHash: event.prevHash, hash: event.hash, data: event.data, metadata: event.metadata, publisher: event.streamId.startsWith(CASE_STREAM_PREFIX) }));
    const done = new Promise<WorkResult>((resolve, reject) => (broken ? reject(broken.error) : pending.set(id, { resolve, reject })));
    if (!broken) worker.postMessage({ id, items });
    const tracked = done.then((result) => {
      inFlight.delete(tracked);
      attested += result.attested;
      if (result.failure && (!threadFailure || result.failure.ordinal < threadFailure.ordinal)) {
        const event = events[result.failure.ordinal - first]!;
        threadFailure = { ...result.failure, at: { streamId: event.streamId, revision: String(event.revision), position: String(event.position), eventId: event.id } };
      }
      return result;
    });
    inFlight.add(tracked);
    return tracked;
  };

  let ordinal = 0;
  let chunk: RecordedEventJson[] = [];
  let chunkStart = 0;
  // The next page is read while this one is checked, as verifyLog does.
  const read = readAsJson(store);
  let next = end > 0n ? read({ fromPosition: 0n, limit: pageSize }) : undefined;
  try {
    reading: while (next) {
      const page = await next;
      const after = page.at(-1)?.position;
      next = after !== undefined && after < end ? read({ fromPosition: after, limit: pageSize }) : undefined;
      for (const event of page) {
        if (event.position > end) break;
        if ((options.from && event.recordedAt < options.from) || (options.to && event.recordedAt >= options.to)) continue;
        if (!whole) chain.startAt(event.streamId, event.revision, event.prevHash);
        // Sent even when its link fails below: a failure of its own hash comes first.
        if (chunk.length === 0) chunkStart = ordinal;
        chunk.push(event);
        if (!chain.pushLink(event)) break reading;
        ordinal += 1;
        if (chunk.length === CHUNK) {
          send(chunk, chunkStart);
          chunk = [];
          // Bounded memory: a few chunks per thread in flight.
          while (inFlight.size >= workers.length * 4) await Promise.race(inFlight);
        }
      }
      if (after !== undefined) options.onProgress?.({ verified: ordinal, position: after < end ? after : end, end });
      if (threadFailure) break;
    }
    // The read under way, if any, is of no use now, and its failure no one's concern.
    next?.catch(() => undefined);
    if (chunk.length > 0) send(chunk, chunkStart);
    await Promise.all(inFlight);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }

  // As verifyLog reports: the heads count as checked once the events got that far.
  const checked: VerificationReport['checked'] = ['chain', ...(options.organizations ? (['signatures'] as const) : []), ...(options.schemas ? (['schemas'] as const) : [])];
  const chainReport = chain.report([]);
  if (threadFailure && (!chainReport.failure || isEarlier(threadFailure, chainReport.eventsVerified, chain.failedCheck!))) {
    const { at, kind, message } = threadFailure;
    return { ok: false, streams: chainReport.streams, eventsVerified: threadFailure.ordinal, checked, failure: { ...at, kind, message } };
  }
  if (chainReport.failure) return { ...chainReport, checked };
  if (!whole) return { ...chainReport, checked, ...(attested > 0 ? { attested } : {}) };
  for (const head of heads) if (!chain.expectHead(head.streamId, head, 'head')) break;
  return { ...chain.report([]), checked: [...checked, 'head'], ...(attested > 0 ? { attested } : {}) };
}

/** The log's pages with data and metadata as JSON text: as the store holds it when it can say, or serialised again. */
function readAsJson(store: EventStore): (options: ReadAllOptions) => Promise<RecordedEventJson[]> {
  if (store.readAllJson) return (options) => store.readAllJson!(options);
  return async (options) => (await store.readAll(options)).map((event) => ({ ...event, data: JSON.stringify(event.data), metadata: JSON.stringify(event.metadata) }));
}

/** Whether a thread's failure comes before the main thread's, at `ordinal` and of `check`. */
function isEarlier(failure: NonNullable<WorkResult['failure']>, ordinal: number, check: Check): boolean {
  return failure.ordinal < ordinal || (failure.ordinal === ordinal && CHECK_ORDER[failure.check] < CHECK_ORDER[check]);
}
