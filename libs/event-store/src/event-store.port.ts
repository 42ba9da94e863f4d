import type { EventStoreError } from './event-store.errors';
import type { ExpectedRevision } from './revisions';

export type { ActualRevision, ExpectedRevision } from './revisions';

export interface EventToAppend {
  /** Unique across the whole store; appending the same id again is a no-op. */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export interface RecordedEvent {
  streamId: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  /** 0-based, contiguous within the stream. */
  revision: bigint;
  /** Global order across all streams: strictly increasing, with gaps. */
  position: bigint;
  /** The previous event's `hash` in this stream; 64 zeros for revision 0. */
  prevHash: string;
  /** SHA-256 (hex) of `prevHash` + JCS({ data, metadata }): see `chainHash`. */
  hash: string;
  recordedAt: Date;
}

export interface EventLocation {
  streamId: string;
  revision: bigint;
  position: bigint;
  hash: string;
}

export interface StreamHeadRecord {
  revision: bigint;
  hash: string;
}

export interface AppendResult {
  /** The revision of the stream's last event written by this append: pass it as the next expected revision. */
  nextExpectedRevision: bigint;
  /** One per appended event, in order: its revision in the stream (for a replay, where it was stored). */
  revisions: bigint[];
  /** One per appended event, in order. */
  positions: bigint[];
  hashes: string[];
  /** True when every id was already stored: nothing was written, the original positions and hashes are returned. */
  duplicate: boolean;
}

export interface StreamAppend {
  streamId: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
}

/** One append's answer within appendMany: its result, or the store error that refused it. */
export type AppendOutcome = { ok: true; result: AppendResult } | { ok: false; error: EventStoreError };

export interface ReadStreamOptions {
  /** First revision to read (inclusive); the start forwards, the end backwards. */
  from?: bigint;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface AllFilter {
  /** Only streams whose id starts with this text (or with any of these: one reader, one log order, several kinds of stream). */
  streamPrefix?: string | readonly string[];
  /** Only events of these exact types. */
  types?: string[];
}

/** A recorded event whose data and metadata are JSON text as the store holds it: not canonical (its key order and spacing are the store's). */
export type RecordedEventJson = Omit<RecordedEvent, 'data' | 'metadata'> & { data: string; metadata: string };

export interface ReadAllOptions {
  /** Read after this position (exclusive); from the beginning when omitted. */
  fromPosition?: bigint;
  limit?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Deliver events after this position (exclusive); from the beginning when omitted. */
  fromPosition?: bigint;
  filter?: AllFilter;
  /**
   * Live, how long commits may gather before the subscription reads them (default 0): fewer,
   * larger reads for a reader that can be that much behind. A store that pushes events
   * rather than reading them may ignore it.
   */
  gatherMs?: number;
}

/**
 * Every event after the start position, in global position order, each exactly once: first
 * those already stored (catch-up), then new ones as they are committed (live). Iterate it
 * once; `close()` ends the iteration. A failing read ends it with the error, and the
 * subscriber starts again from the last position it handled.
 */
export type AllSubscription = AsyncIterable<RecordedEvent> & { close(): Promise<void> };

/**
 * The system of record: append-only streams of events, each stream hash-chained, all of them
 * in one global order. Adapters: SQL (PostgreSQL or PGlite) and EventStoreDB, both held to
 * event-store.contract.ts.
 */
export interface EventStore {
  /**
   * Whether `locate` finds every stored event (SQL: yes). When not (EventStoreDB), a writer
   * looks for redelivered events in the tail of the stream they belong to.
   */
  readonly locatesAll: boolean;
  /**
   * Appends `events` atomically, checking `expectedRevision` first. Rejects with
   * WrongExpectedRevision (retriable: read again, decide again) or DuplicateEventId.
   */
  appendToStream(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult>;
  /**
   * Several appends to distinct streams together (on SQL: one statement, one commit), each
   * checked against its own expected revision and answered on its own: a conflict or a reused
   * id refuses that append only. For a writer with many streams to move at once.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]>;
  /**
   * Where these event ids are stored, for those that are: how a writer recognises a
   * redelivered event without holding every id it ever wrote. (EventStoreDB keeps no index
   * of ids across streams: its adapter answers with nothing, and appends catch replays.)
   */
  locate(ids: readonly string[]): Promise<Map<string, EventLocation>>;
  /** Rejects with StreamNotFound when the stream has no event. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Events of all streams in global position order; page with `fromPosition` = last position read. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * readAll with each event's data and metadata left as the store's JSON text, for a reader
   * that hands them on unparsed (verification threads). Optional: a store without it is read
   * with readAll.
   */
  readAllJson?(options?: ReadAllOptions): Promise<RecordedEventJson[]>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription;
  streamExists(streamId: string): Promise<boolean>;
  /**
   * A stream's head as the store records it (SQL: its head table, written with every append),
   * for auditors to hold the events against: a tail cut from the events shows here.
   */
  streamHead(streamId: string): Promise<StreamHeadRecord | undefined>;
  /** Every stream's head (ordered by stream id) and the log position they are consistent with. */
  heads(filter?: { streamPrefix?: string }): Promise<{ position: bigint; heads: Array<StreamHeadRecord & { streamId: string }> }>;
  /** The position of the newest event in the log (0 when empty): how far its followers must go. */
  lastPosition(): Promise<bigint>;
  /** Ends subscriptions and releases what the store opened. */
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * The store exactly as it holds the events (personal fields sealed), where EVENT_STORE may be
 * a view of it that opens them: what auditors verify the chain on.
 */
export const STORED_EVENT_STORE = Symbol('STORED_EVENT_STORE');
