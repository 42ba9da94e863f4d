import { applyMigrations, DatabaseError, type SqlDatabase } from '@passerelle/database';
import {
  assertAppendable,
  checkExpectedRevision,
  prepareBatch,
  replayedAppend,
  type PreparedEvent,
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
  RecordedEventJson,
  StreamAppend,
  StreamHeadRecord,
  SubscribeToAllOptions,
} from '../event-store.port';
import { PollingSubscription } from './polling-subscription';
import {
  APPEND_FUNCTION,
  APPEND_MANY_FUNCTION,
  APPENDED_CHANNEL,
  MIGRATIONS,
  NOTIFY,
  READ_STREAM_BACKWARDS,
  READ_STREAM_FORWARDS,
  readAllSql,
  HEADS,
  LAST_POSITION,
  LOCATE,
  STREAM_HEAD,
  STREAM_REVISION,
  type EventRow,
} from './schema';

export interface SqlEventStoreOptions {
  /** The longest a live subscription waits between reads when nothing wakes it (default 250 ms). */
  pollIntervalMs?: number;
  /** Events per subscription read (default 500). */
  pageSize?: number;
  /**
   * NOTIFY other processes after each commit, coalesced and outside the append transaction.
   * Default: on for PostgreSQL; off for PGlite, which has no other process to tell.
   */
  notify?: boolean;
  /** Close the database when the store closes (default false: the database is shared). */
  ownsDatabase?: boolean;
}

const MAX_REVISION = '9223372036854775807';
/** An id committed in another stream between our lookup and our insert: look again, this many times. */
const APPEND_ATTEMPTS = 3;
/**
 * Statements of one store under way at once. Two: while one holds the append lock through its
 * commit, the next locks its heads, looks up its ids and hashes; more would only split the
 * groups, since commits queue on the append lock anyway.
 */
const MAX_IN_FLIGHT = 2;
/** Events one group statement carries at most (a bound on its size, not a tuning knob). */
const MAX_GROUP_EVENTS = 5_000;

/**
 * The event store on the SqlDatabase port: the same SQL on PostgreSQL and PGlite.
 * Layout, append algorithm and the visibility rule are in docs/event-store.md.
 */
export class SqlEventStore implements EventStore {
  readonly locatesAll = true;
  private readonly subscriptions = new Set<PollingSubscription>();
  private listening: Promise<(() => Promise<void>) | undefined> | undefined;
  private notifying: Promise<void> | undefined;
  private notifyAgain = false;
  private closed = false;
  private queue: QueuedCommit[] = [];
  private inFlight = 0;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly notify: boolean;

  private constructor(
    private readonly db: SqlDatabase,
    private readonly options: SqlEventStoreOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.pageSize = options.pageSize ?? 500;
    this.notify = options.notify ?? db.kind === 'postgres';
  }

  /** Creates the tables if needed (idempotent, safe when several processes start at once). */
  static async open(db: SqlDatabase, options: SqlEventStoreOptions = {}): Promise<SqlEventStore> {
    try {
      await applyMigrations(db, 'event-store', MIGRATIONS);
    } catch (err) {
      throw toStoreError(err);
    }
    return new SqlEventStore(db, options);
  }

  async appendToStream(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    this.assertOpen();
    assertAppendable(streamId, events);
    if (events.length === 0) return this.checkOnly(streamId, expectedRevision);
    const prepared = prepareBatch(events);
    const [outcome] = await this.commit([{ streamId, prepared, expected: expectedRevision }]);
    if (!outcome!.ok) throw outcome!.error;
    return outcome!.result;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
    this.assertOpen();
    const streams = new Set<string>();
    for (const { streamId, events } of appends) {
      assertAppendable(streamId, events);
      if (events.length === 0) throw new TypeError(`stream ${streamId}: appendMany takes appends of at least one event`);
      if (streams.has(streamId)) throw new TypeError(`stream ${streamId} appears twice in one appendMany: give it one append`);
      streams.add(streamId);
    }
    if (appends.length === 0) return [];
    return this.commit(appends.map((a) => ({ streamId: a.streamId, prepared: prepareBatch(a.events), expected: a.expectedRevision })));
  }

  async locate(ids: readonly string[]): Promise<Map<string, EventLocation>> {
    this.assertOpen();
    if (ids.length === 0) return new Map();
    const rows = await this.rows<{ id: string; stream_id: string; revision: string; position: string; hash: string }>(LOCATE, [ids]);
    return new Map(rows.map((r) => [r.id, { streamId: r.stream_id, revision: BigInt(r.revision), position: BigInt(r.position), hash: r.hash }]));
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const backwards = options.direction === 'backwards';
    const from = options.from !== undefined ? String(options.from) : backwards ? MAX_REVISION : '0';
    const rows = await this.rows(backwards ? READ_STREAM_BACKWARDS : READ_STREAM_FORWARDS, [streamId, from, limitOf(options.limit)]);
    if (rows.length === 0 && !(await this.streamExists(streamId))) throw new StreamNotFound(streamId);
    return rows.map(toRecordedEvent);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return (await this.readLog(options, false)).map(toRecordedEvent);
  }

  async readAllJson(options: ReadAllOptions = {}): Promise<RecordedEventJson[]> {
    return (await this.readLog(options, true)).map(toRecordedEvent);
  }

  private async readLog<Json extends boolean>(options: ReadAllOptions, json: Json): Promise<Array<EventRow<Json extends true ? string : Record<string, unknown>>>> {
    this.assertOpen();
    const params: unknown[] = [String(options.fromPosition ?? 0n)];
    const conditions = ['e.position > $1::bigint'];
    const { streamPrefix, types } = options.filter ?? {};
    const prefixes = prefixesOf(streamPrefix);
    if (prefixes.length > 0) {
      conditions.push(`(${prefixes.map((prefix) => (params.push(prefix), `starts_with(e.stream_id, $${params.length})`)).join(' OR ')})`);
    }
    if (types !== undefined) {
      params.push(types);
      conditions.push(`e.type = ANY($${params.length}::text[])`);
    }
    params.push(limitOf(options.limit));
    return this.rows(readAllSql(conditions, params.length, json), params);
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscription {
    this.assertOpen();
    const subscription: PollingSubscription = new PollingSubscription(
      (after, limit) => this.readAll({ fromPosition: after, limit, filter: options.filter }),
      options.fromPosition ?? 0n,
      { pageSize: this.pageSize, pollIntervalMs: this.pollIntervalMs, gatherMs: options.gatherMs },
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    // Other processes' commits arrive as NOTIFY; if LISTEN fails, polling still finds them.
    this.listening ??= this.db.listen(APPENDED_CHANNEL, () => this.wakeSubscriptions()).catch(() => undefined);
    return subscription;
  }

  async streamExists(streamId: string): Promise<boolean> {
    this.assertOpen();
    return (await this.rows<{ revision: string }>(STREAM_REVISION, [streamId])).length > 0;
  }

  async streamHead(streamId: string): Promise<StreamHeadRecord | undefined> {
    this.assertOpen();
    const [row] = await this.rows<{ revision: string; last_hash: string }>(STREAM_HEAD, [streamId]);
    return row ? { revision: BigInt(row.revision), hash: row.last_hash } : undefined;
  }

  async heads(filter: { streamPrefix?: string } = {}): Promise<{ position: bigint; heads: Array<StreamHeadRecord & { streamId: string }> }> {
    this.assertOpen();
    // One statement, one snapshot: the heads and the position agree.
    const rows = await this.rows<{ stream_id: string; revision: string; last_hash: string; position: string | null }>(HEADS, [filter.streamPrefix ?? '']);
    return {
      position: BigInt(rows[0]?.position ?? (await this.rows<{ position: string | null }>(LAST_POSITION, []))[0]?.position ?? 0),
      heads: rows.map((r) => ({ streamId: r.stream_id, revision: BigInt(r.revision), hash: r.last_hash })),
    };
  }

  async lastPosition(): Promise<bigint> {
    this.assertOpen();
    const [row] = await this.rows<{ position: string | null }>(LAST_POSITION, []);
    return BigInt(row?.position ?? 0);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
    const unlisten = await this.listening;
    await unlisten?.().catch(() => undefined);
    await this.notifying;
    if (this.options.ownsDatabase) await this.db.close();
  }

  /**
   * Group commit. Appends that arrive while MAX_IN_FLIGHT statements of this store are under
   * way wait in a queue; as soon as one finishes, everything queued goes as one statement
   * (es_append_many) and one commit. Concurrent writers therefore share a commit (and its
   * flush) instead of queueing one by one on the append lock, and each append is still
   * checked and answered on its own. Positions, the visibility rule and every answer are
   * those of the same appends made one at a time (docs/event-store.md).
   */
  private commit(units: PendingAppend[]): Promise<AppendOutcome[]> {
    return new Promise<AppendOutcome[]>((resolve, reject) => {
      this.queue.push({ units, resolve, reject });
      this.drain();
    });
  }

  private drain(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      // One stream at most once per statement (es_append_many's rule): a second append to a
      // stream already in the group waits for the next one, after the first is answered.
      // A stream held back stays held back for the rest of the queue, so that appends to one
      // stream are sent in the order they were made.
      const group: QueuedCommit[] = [];
      const streams = new Set<string>();
      let events = 0;
      const waiting: QueuedCommit[] = [];
      for (const entry of this.queue) {
        const size = entry.units.reduce((n, u) => n + u.prepared.length, 0);
        const fits = (group.length === 0 || events + size <= MAX_GROUP_EVENTS) && entry.units.every((u) => !streams.has(u.streamId));
        if (!fits) {
          waiting.push(entry);
          for (const u of entry.units) streams.add(u.streamId);
          continue;
        }
        group.push(entry);
        for (const u of entry.units) streams.add(u.streamId);
        events += size;
      }
      this.queue = waiting;
      this.inFlight += 1;
      void this.run(group).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  /** Runs one group; should the whole statement fail, each of its commits is tried on its own. */
  private async run(group: QueuedCommit[]): Promise<void> {
    const units = group.flatMap((g) => g.units);
    try {
      const outcomes = await this.statement(units, group.length > 1 ? 1 : APPEND_ATTEMPTS);
      let at = 0;
      for (const entry of group) {
        entry.resolve(outcomes.slice(at, at + entry.units.length));
        at += entry.units.length;
      }
    } catch (err) {
      if (group.length === 1 || !(err instanceof DatabaseError)) {
        for (const entry of group) entry.reject(toStoreError(err));
        return;
      }
      // An id raced in from another stream, or a deadlock: one member's trouble. Alone, each
      // gets the retries (and the answer) it would have had without company.
      await Promise.all(
        group.map(async (entry) => {
          try {
            entry.resolve(await this.statement(entry.units, APPEND_ATTEMPTS));
          } catch (e) {
            entry.reject(toStoreError(e));
          }
        }),
      );
    }
  }

  /**
   * One statement for these appends: es_append_stream for one, es_append_many for several. The id
   * lookup cannot see an id that another stream commits a moment later; the unique index can,
   * so a 23505 is tried again (the lookup then sees it), as is a deadlock.
   */
  private async statement(units: PendingAppend[], attempts: number): Promise<AppendOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = units.length === 1 ? [await this.appendOne(units[0]!)] : await this.appendSeveral(units);
        if (outcomes.some((o) => o.ok && !o.result.duplicate)) this.committed();
        return outcomes;
      } catch (err) {
        if (attempt < attempts && err instanceof DatabaseError && (err.vendorCode === '23505' || err.vendorCode === '40P01')) continue;
        throw err;
      }
    }
  }

  private async appendOne({ streamId, prepared, expected }: PendingAppend): Promise<AppendOutcome> {
    const { rows } = await this.db.query<AppendRow>(APPEND_FUNCTION, [
      streamId,
      typeof expected === 'bigint' ? String(expected) : expected,
      prepared.map((e) => e.id),
      prepared.map((e) => e.type),
      prepared.map((e) => e.dataJson),
      prepared.map((e) => e.metadataJson),
    ]);
    return judged(streamId, prepared, expected, rows);
  }

  private async appendSeveral(units: PendingAppend[]): Promise<AppendOutcome[]> {
    const flat = units.flatMap((u) => u.prepared);
    const { rows } = await this.db.query<AppendRow & { idx: number }>(APPEND_MANY_FUNCTION, [
      units.map((u) => u.streamId),
      units.map((u) => (typeof u.expected === 'bigint' ? String(u.expected) : u.expected)),
      units.map((u) => u.prepared.length),
      flat.map((e) => e.id),
      flat.map((e) => e.type),
      flat.map((e) => e.dataJson),
      flat.map((e) => e.metadataJson),
    ]);
    const byIndex = units.map((): AppendRow[] => []);
    for (const row of rows) byIndex[Number(row.idx) - 1]!.push(row);
    return units.map((u, i) => judged(u.streamId, u.prepared, u.expected, byIndex[i]!));
  }

  /** An empty append writes nothing but still answers whether the expectation holds. */
  private async checkOnly(streamId: string, expected: ExpectedRevision): Promise<AppendResult> {
    const [row] = await this.rows<{ revision: string }>(STREAM_REVISION, [streamId]);
    const actual = row ? BigInt(row.revision) : 'no_stream';
    checkExpectedRevision(streamId, expected, actual);
    return { nextExpectedRevision: actual === 'no_stream' ? -1n : actual, revisions: [], positions: [], hashes: [], duplicate: false };
  }

  /** After a commit: wake local subscribers now, and other processes through one NOTIFY. */
  private committed(): void {
    this.wakeSubscriptions();
    if (!this.notify || this.closed) return;
    // Coalesced: at most one NOTIFY in flight, one more queued whatever the number of commits
    // meanwhile. Each NOTIFY is its own small transaction, never the append's (it would
    // serialise commits on the notification queue lock).
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = (async () => {
      do {
        this.notifyAgain = false;
        await this.db.query(NOTIFY, [APPENDED_CHANNEL, '']).catch(() => undefined);
      } while (this.notifyAgain && !this.closed);
      this.notifying = undefined;
    })();
  }

  private wakeSubscriptions(): void {
    for (const subscription of this.subscriptions) subscription.poke();
  }

  private async rows<R = EventRow>(sql: string, params: unknown[]): Promise<R[]> {
    try {
      return (await this.db.query<R>(sql, params)).rows;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailable('the event store is closed');
  }
}

interface AppendRow {
  outcome: 'appended' | 'found' | 'conflict';
  revision: string;
  position: string;
  hash: string;
  id: string;
  stream_id: string;
  type: string;
  prev_hash: string;
}

interface PendingAppend {
  streamId: string;
  prepared: PreparedEvent[];
  expected: ExpectedRevision;
}

/** One caller's appends (one for appendToStream, several for appendMany), answered together. */
interface QueuedCommit {
  units: PendingAppend[];
  resolve: (outcomes: AppendOutcome[]) => void;
  reject: (err: unknown) => void;
}

/** es_append_stream's answer for one stream as an outcome: our own errors are values, anything else throws. */
function judged(streamId: string, events: PreparedEvent[], expected: ExpectedRevision, rows: AppendRow[]): AppendOutcome {
  try {
    return { ok: true, result: outcomeOf(streamId, events, expected, rows) };
  } catch (err) {
    if (err instanceof EventStoreError) return { ok: false, error: err };
    throw err;
  }
}

/** What es_append_stream answered for one stream, as our result or our error. */
function outcomeOf(streamId: string, events: PreparedEvent[], expected: ExpectedRevision, rows: AppendRow[]): AppendResult {
  const outcome = rows[0]?.outcome;
  if (outcome === 'conflict') {
    const actual = BigInt(rows[0]!.revision);
    throw new WrongExpectedRevision(streamId, expected, actual < 0n ? 'no_stream' : actual);
  }
  if (outcome === 'found') {
    const stored = new Map<string, StoredLink>(rows.map((r) => [r.id, { streamId: r.stream_id, revision: BigInt(r.revision), position: BigInt(r.position), type: r.type, prevHash: r.prev_hash, hash: r.hash }]));
    return replayedAppend(streamId, events, stored);
  }
  return { nextExpectedRevision: BigInt(rows.at(-1)!.revision), revisions: rows.map((r) => BigInt(r.revision)), positions: rows.map((r) => BigInt(r.position)), hashes: rows.map((r) => r.hash), duplicate: false };
}

function toRecordedEvent<T extends string | Record<string, unknown>>(row: EventRow<T>): Omit<RecordedEvent, 'data' | 'metadata'> & { data: T; metadata: T } {
  return {
    streamId: row.stream_id,
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    prevHash: row.prev_hash,
    hash: row.hash,
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}

function limitOf(limit: number | undefined): number | null {
  if (limit === undefined) return null;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError(`limit ${limit} is not a non-negative integer`);
  return limit;
}

/**
 * A connection failure or a serialisation failure is StoreUnavailable (retriable); our own
 * errors, and anything else (a bug), travel as they are.
 */
function toStoreError(err: unknown): unknown {
  if (err instanceof EventStoreError) return err;
  if (err instanceof DatabaseError) {
    if (err.code === 'DATABASE.UNAVAILABLE' || err.code === 'DATABASE.SERIALIZATION_FAILURE') {
      return new StoreUnavailable(`the event store's database failed: ${err.message}`, { cause: err });
    }
  }
  return err;
}

/** The prefixes of a filter; none when it has none (or only empty ones: every stream). */
function prefixesOf(streamPrefix: AllFilter['streamPrefix']): string[] {
  const prefixes = typeof streamPrefix === 'string' ? [streamPrefix] : [...(streamPrefix ?? [])];
  return prefixes.includes('') ? [] : prefixes;
}
