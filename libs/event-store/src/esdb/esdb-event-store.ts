import {
  BACKWARDS,
  CancelledError,
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  NotLeaderError,
  START,
  StreamNotFoundError,
  TimeoutError,
  UnavailableError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Filter,
  type Position,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import { randomUUID } from 'node:crypto';
import {
  assertAppendable,
  checkExpectedRevision,
  linkBatch,
  prepareBatch,
  replayedAppend,
  type ChainedEvent,
  type StoredLink,
} from '../append-rules';
import { EventStoreError, StoreUnavailable, StreamNotFound, WrongExpectedRevision } from '../event-store.errors';
import type {
  AllFilter,
  AllSubscription,
  AppendOutcome,
  AppendResult,
  EventLocation,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  StreamHeadRecord,
  SubscribeToAllOptions,
} from '../event-store.port';
import { GENESIS_HASH } from '../integrity/hash-chain';

export interface EsdbEventStoreOptions {
  /** e.g. `esdb://localhost:2113?tls=false` */
  connectionString: string;
  /**
   * How many of a stream's last events an append searches for its own ids, to recognise a
   * replay (default 100). EventStoreDB has no index by event id: a replay older than this is
   * appended again.
   */
  replayWindow?: number;
  /** Attempts when another writer moves the stream head between our read and our append (default 10). */
  maxAttempts?: number;
  /** Events per page when reading $all (default 500). */
  pageSize?: number;
}

/** Where our own id and the chain live in EventStoreDB's event metadata, beside the caller's. */
const CHAIN_KEY = 'passerelle:chain';
interface ChainMetadata {
  id: string;
  prevHash: string;
  hash: string;
}

/**
 * The event store on EventStoreDB. Streams, revisions and $all map one to one; what
 * EventStoreDB does not do itself is done here, client-side:
 * - the hash chain: read the stream's tail, link the batch, append expecting exactly that tail
 *   revision, so a concurrent writer makes us re-read and re-link instead of forking the chain;
 * - idempotency by our ids, searched in the stream's tail (`replayWindow`). EventStoreDB's own
 *   idempotency is keyed by its event UUID, which is fresh per attempt here, so that a replay
 *   is always answered by us, with the original positions, never silently re-accepted;
 * - the caller's `id` (any string) and the chain travel in the metadata under `passerelle:chain`.
 * Positions are $all commit positions. Ids are not unique across streams (no global index).
 */
export class EsdbEventStore implements EventStore {
  readonly locatesAll = false;
  private readonly subscriptions = new Set<AllSubscription>();
  private readonly replayWindow: number;
  private readonly maxAttempts: number;
  private readonly pageSize: number;
  private closed = false;

  private constructor(
    private readonly client: EventStoreDBClient,
    options: EsdbEventStoreOptions,
  ) {
    this.replayWindow = options.replayWindow ?? 100;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.pageSize = options.pageSize ?? 500;
  }

  static connect(options: EsdbEventStoreOptions): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(options.connectionString), options);
  }

  async appendToStream(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertAppendable(streamId, events);
    const prepared = prepareBatch(events);
    const ids = new Set(prepared.map((e) => e.id));
    let lastConflict: WrongExpectedVersionError | undefined;
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const tail = await this.readTail(streamId, Math.max(this.replayWindow, prepared.length));
      const stored = new Map<string, StoredLink>(tail.filter((e) => ids.has(e.id)).map((e) => [e.id, toLink(e)]));
      if (stored.size > 0) return replayedAppend(streamId, prepared, stored);
      const head = tail[0];
      checkExpectedRevision(streamId, expectedRevision, head ? head.revision : 'no_stream');
      if (prepared.length === 0) return { nextExpectedRevision: head?.revision ?? -1n, revisions: [], positions: [], hashes: [], duplicate: false };

      const chained = linkBatch(prepared, { revision: head?.revision ?? -1n, hash: head?.hash ?? GENESIS_HASH });
      try {
        await this.client.appendToStream(streamId, chained.map(toEventData), { expectedRevision: head ? head.revision : NO_STREAM });
      } catch (err) {
        // Someone moved the head since we read it: read again; that answers a replay racing
        // its original, re-checks the caller's expectation, and re-links the chain.
        if (err instanceof WrongExpectedVersionError) {
          lastConflict = err;
          continue;
        }
        throw toStoreError(err, streamId);
      }
      const written = await this.readRaw(streamId, { direction: FORWARDS, fromRevision: chained[0]!.revision, maxCount: chained.length });
      return {
        nextExpectedRevision: chained.at(-1)!.revision,
        revisions: chained.map((e) => e.revision),
        positions: chained.map((e, i) => {
          const w = written[i];
          if (w?.id !== e.id) throw new StoreUnavailable(`stream ${streamId}: event ${e.id} not found where it was just appended`);
          return w.position;
        }),
        hashes: chained.map((e) => e.hash),
        duplicate: false,
      };
    }
    const actual = lastConflict?.actualVersion ?? 'no_stream';
    throw new WrongExpectedRevision(streamId, expectedRevision, actual, { cause: lastConflict });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    if (options.limit === 0) {
      if (!(await this.streamExists(streamId))) throw new StreamNotFound(streamId);
      return [];
    }
    const events = await this.readRaw(streamId, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: options.from ?? (backwards ? END : START),
      maxCount: options.limit ?? Number.MAX_SAFE_INTEGER,
    });
    if (events.length === 0 && !(await this.streamExists(streamId))) throw new StreamNotFound(streamId);
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    if (limit <= 0) return [];
    const server = serverFilter(options.filter);
    return server ? this.readAllFiltered(options.fromPosition, options.filter ?? {}, server, limit) : this.readAllPaged(options.fromPosition, limit);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    const from = options.fromPosition;
    const filter = options.filter ?? {};
    const inner = this.client.subscribeToAll({ fromPosition: toReadPosition(from), filter: serverFilter(options.filter) ?? excludeSystemEvents() });
    let iterated = false;
    const subscription: AllSubscription = {
      [Symbol.asyncIterator]: () => {
        if (iterated) throw new Error('a subscription is iterated once; subscribe again for another reader');
        iterated = true;
        return (async function* () {
          try {
            for await (const resolved of inner) {
              const event = resolved.event;
              if (!event || isSystem(event) || (from !== undefined && event.position.commit <= from) || !matches(event, filter)) continue;
              yield toRecordedEvent(event);
            }
          } catch (err) {
            throw toStoreError(err);
          }
        })();
      },
      close: async () => {
        this.subscriptions.delete(subscription);
        await inner.unsubscribe().catch(() => undefined);
      },
    };
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** EventStoreDB appends to one stream at a time: one after the other, each answered on its own. */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
    const outcomes: AppendOutcome[] = [];
    for (const { streamId, events, expectedRevision } of appends) {
      try {
        outcomes.push({ ok: true, result: await this.appendToStream(streamId, events, expectedRevision) });
      } catch (err) {
        if (!(err instanceof EventStoreError) || err instanceof StoreUnavailable) throw err;
        outcomes.push({ ok: false, error: err });
      }
    }
    return outcomes;
  }

  /** EventStoreDB has no index of ids across streams: nothing is located here; appends recognise replays in the stream's tail. */
  async locate(): Promise<Map<string, EventLocation>> {
    this.assertOpen();
    return new Map();
  }

  async streamExists(streamId: string): Promise<boolean> {
    this.assertOpen();
    return (await this.readTail(streamId, 1)).length > 0;
  }

  /** EventStoreDB keeps no head apart from the events: the last event stands for it. */
  async streamHead(streamId: string): Promise<StreamHeadRecord | undefined> {
    this.assertOpen();
    const [last] = await this.readTail(streamId, 1);
    return last ? { revision: last.revision, hash: last.hash } : undefined;
  }

  /** Every stream's last event, from one pass over $all. */
  async heads(filter: { streamPrefix?: string } = {}): Promise<{ position: bigint; heads: Array<StreamHeadRecord & { streamId: string }> }> {
    this.assertOpen();
    const last = new Map<string, StreamHeadRecord>();
    let position = 0n;
    for (let page = await this.readAll({ limit: this.pageSize, filter }); page.length > 0; page = await this.readAll({ fromPosition: position, limit: this.pageSize, filter })) {
      for (const event of page) last.set(event.streamId, { revision: event.revision, hash: event.hash });
      position = page.at(-1)!.position;
    }
    const heads = [...last].map(([streamId, head]) => ({ streamId, ...head })).sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
    return { position, heads };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    await this.client.dispose();
  }

  /** The stream's last events, newest first; none when the stream does not exist. */
  private async readTail(streamId: string, count: number): Promise<RecordedEvent[]> {
    try {
      return await this.readRaw(streamId, { direction: BACKWARDS, fromRevision: END, maxCount: count });
    } catch (err) {
      if (err instanceof StreamNotFound) return [];
      throw err;
    }
  }

  private async readRaw(
    streamId: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: bigint | typeof START | typeof END; maxCount: number },
  ): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, options)) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (err) {
      throw toStoreError(err, streamId);
    }
    return events;
  }

  /** Unfiltered $all, read page by page from the last position seen; system events skipped. */
  private async readAllPaged(from: bigint | undefined, limit: number): Promise<RecordedEvent[]> {
    const out: RecordedEvent[] = [];
    let after = from;
    for (;;) {
      let read = 0;
      try {
        for await (const resolved of this.client.readAll({ fromPosition: toReadPosition(after), maxCount: this.pageSize, direction: FORWARDS })) {
          read++;
          const event = resolved.event;
          // readAll starts AT the position given; ours is exclusive.
          if (!event || (after !== undefined && event.position.commit <= after)) continue;
          after = event.position.commit;
          if (isSystem(event)) continue;
          out.push(toRecordedEvent(event));
          if (out.length >= limit) return out;
        }
      } catch (err) {
        throw toStoreError(err);
      }
      if (read < this.pageSize) return out;
    }
  }

  /**
   * Filtered $all, filtered by the server: client 6.2 offers server-side filters on
   * subscriptions only, so this subscribes from the position and stops at what was the end of
   * $all when the read began (told by an event, a filter checkpoint, or `caughtUp`).
   */
  private async readAllFiltered(from: bigint | undefined, filter: AllFilter, server: Filter, limit: number): Promise<RecordedEvent[]> {
    const end = await this.newestPosition();
    if (end === undefined || (from !== undefined && from >= end)) return [];
    const out: RecordedEvent[] = [];
    const subscription = this.client.subscribeToAll({
      fromPosition: toReadPosition(from),
      filter: { ...server, checkpointReached: (s, position) => (position.commit >= end ? s.unsubscribe() : undefined) },
    });
    subscription.on('caughtUp', () => void subscription.unsubscribe());
    try {
      for await (const resolved of subscription) {
        const event = resolved.event;
        if (!event) continue;
        if (event.position.commit > end) break;
        if ((from === undefined || event.position.commit > from) && !isSystem(event) && matches(event, filter)) out.push(toRecordedEvent(event));
        if (out.length >= limit || event.position.commit >= end) break;
      }
    } catch (err) {
      throw toStoreError(err);
    } finally {
      await subscription.unsubscribe().catch(() => undefined);
    }
    return out;
  }

  async lastPosition(): Promise<bigint> {
    return (await this.newestPosition()) ?? 0n;
  }

  private async newestPosition(): Promise<bigint | undefined> {
    try {
      for await (const resolved of this.client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 })) {
        if (resolved.event) return resolved.event.position.commit;
      }
    } catch (err) {
      throw toStoreError(err);
    }
    return undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailable('the event store is closed');
  }
}

function toEventData(event: ChainedEvent) {
  const chain: ChainMetadata = { id: event.id, prevHash: event.prevHash, hash: event.hash };
  // A fresh UUID per attempt: see the class comment on idempotency.
  return jsonEvent({ id: randomUUID(), type: event.type, data: event.data, metadata: { ...event.metadata, [CHAIN_KEY]: chain } });
}

function toRecordedEvent(event: EsdbRecordedEvent | AllStreamResolvedEvent['event'] & object): RecordedEvent {
  const raw = event.isJson && isRecord(event.metadata) ? event.metadata : {};
  const { [CHAIN_KEY]: chainValue, ...metadata } = raw;
  const chain = isRecord(chainValue) ? (chainValue as Partial<ChainMetadata>) : {};
  return {
    streamId: event.streamId,
    id: typeof chain.id === 'string' ? chain.id : event.id,
    type: event.type,
    data: event.isJson && isRecord(event.data) ? event.data : {},
    metadata,
    revision: event.revision,
    position: event.position?.commit ?? -1n,
    prevHash: typeof chain.prevHash === 'string' ? chain.prevHash : '',
    hash: typeof chain.hash === 'string' ? chain.hash : '',
    recordedAt: event.created,
  };
}

function toLink(event: RecordedEvent): StoredLink {
  return { streamId: event.streamId, revision: event.revision, position: event.position, type: event.type, prevHash: event.prevHash, hash: event.hash };
}

function toReadPosition(position: bigint | undefined): ReadPosition {
  if (position === undefined) return START;
  // Single-event commits (every append since EventStoreDB 20) have commit = prepare.
  const at: Position = { commit: position, prepare: position };
  return at;
}

/** The one criterion EventStoreDB filters on; the other, and exact type matches, are checked here. */
function serverFilter(filter: AllFilter | undefined): Filter | undefined {
  const prefixes = typeof filter?.streamPrefix === 'string' ? [filter.streamPrefix] : [...(filter?.streamPrefix ?? [])];
  if (prefixes.length > 0 && !prefixes.includes('')) return streamNameFilter({ prefixes });
  if (filter?.types) return eventTypeFilter({ prefixes: filter.types.length > 0 ? filter.types : [`$none-${randomUUID()}`] });
  return undefined;
}

function matches(event: { streamId: string; type: string }, filter: AllFilter): boolean {
  const prefixes = typeof filter.streamPrefix === 'string' ? [filter.streamPrefix] : (filter.streamPrefix ?? []);
  if (prefixes.length > 0 && !prefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  if (filter.types && !filter.types.includes(event.type)) return false;
  return true;
}

function isSystem(event: { streamId: string; type: string }): boolean {
  return event.streamId.startsWith('$') || event.type.startsWith('$');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function toStoreError(err: unknown, streamId?: string): unknown {
  if (err instanceof EventStoreError) return err;
  if (err instanceof StreamNotFoundError && streamId !== undefined) return new StreamNotFound(streamId, { cause: err });
  if (err instanceof UnavailableError || err instanceof DeadlineExceededError || err instanceof TimeoutError || err instanceof NotLeaderError || err instanceof CancelledError) {
    return new StoreUnavailable(`EventStoreDB failed: ${err.message}`, { cause: err });
  }
  return err;
}
