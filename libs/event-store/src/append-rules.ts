import { DuplicateEventId, WrongExpectedRevision } from './event-store.errors';
import type { ActualRevision, EventToAppend, ExpectedRevision } from './event-store.port';
import { canonicalJson, linkHash } from './integrity/hash-chain';

/** Rules every adapter applies the same way, so the contract suite holds them all to one meaning. */

/** Rejects what no store should accept: an empty stream id, a malformed event, an id twice in one batch. */
export function assertAppendable(streamId: string, events: readonly EventToAppend[]): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('a stream id is a non-empty string');
  const seen = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || event.id.length === 0) throw new TypeError(`stream ${streamId}: an event id is a non-empty string`);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError(`event ${event.id}: its type is a non-empty string`);
    if (!isPlainObject(event.data)) throw new TypeError(`event ${event.id}: its data is a JSON object`);
    if (event.metadata !== undefined && !isPlainObject(event.metadata)) throw new TypeError(`event ${event.id}: its metadata is a JSON object`);
    if (seen.has(event.id)) throw new DuplicateEventId(event.id, undefined, 'appears twice in one append');
    seen.add(event.id);
  }
}

/** Throws WrongExpectedRevision unless the stream's state is what the caller expected. */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, actual: ActualRevision): void {
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && actual === 'no_stream') ||
    (expected === 'stream_exists' && actual !== 'no_stream') ||
    (typeof expected === 'bigint' && actual === expected);
  if (!ok) throw new WrongExpectedRevision(streamId, expected, actual);
}

/** An event with its JCS texts, computed once, before any transaction: hashed, then stored as they are. */
export interface PreparedEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  dataJson: string;
  metadataJson: string;
}

/** An event linked into its stream's chain, ready to insert. */
export interface ChainedEvent extends PreparedEvent {
  revision: bigint;
  prevHash: string;
  hash: string;
}

/** Serialises a batch (JCS); throws a TypeError on what JSON cannot hold. */
export function prepareBatch(events: readonly EventToAppend[]): PreparedEvent[] {
  return events.map((event) => {
    const metadata = event.metadata ?? {};
    return { id: event.id, type: event.type, data: event.data, metadata, dataJson: canonicalJson(event.data), metadataJson: canonicalJson(metadata) };
  });
}

/** Links a whole batch to the stream head in memory: one pass of hashing, no round trip per event. */
export function linkBatch(events: readonly PreparedEvent[], head: { revision: bigint; hash: string }): ChainedEvent[] {
  let prevHash = head.hash;
  return events.map((event, i) => {
    const hash = linkHash(prevHash, event.dataJson, event.metadataJson);
    const chained: ChainedEvent = { ...event, revision: head.revision + 1n + BigInt(i), prevHash, hash };
    prevHash = hash;
    return chained;
  });
}

/**
 * Whether a stored event is the one being appended again: same type, and the same content,
 * which the stored link proves: its hash over the stored prevHash and the new content matches.
 */
export function sameContent(stored: { type: string; prevHash: string; hash: string }, event: PreparedEvent): boolean {
  return stored.type === event.type && linkHash(stored.prevHash, event.dataJson, event.metadataJson) === stored.hash;
}

/**
 * The answer to an append whose ids are all stored already: the original positions and hashes
 * when it is the same append replayed (same stream, same content, same order); otherwise
 * DuplicateEventId, since reusing an id for something else must never look like success.
 */
export function replayedAppend(
  streamId: string,
  events: readonly PreparedEvent[],
  stored: ReadonlyMap<string, StoredLink>,
): { nextExpectedRevision: bigint; revisions: bigint[]; positions: bigint[]; hashes: string[]; duplicate: true } {
  let previous: bigint | undefined;
  for (const event of events) {
    const link = stored.get(event.id);
    if (!link) {
      const [storedId, storedLink] = [...stored.entries()][0]!;
      throw new DuplicateEventId(storedId, storedLink.streamId, 'is stored already while other events of the same append are not: an append is replayed whole');
    }
    if (link.streamId !== streamId) throw new DuplicateEventId(event.id, link.streamId, `is stored in stream ${link.streamId}`);
    if (!sameContent(link, event)) throw new DuplicateEventId(event.id, link.streamId, 'is stored with other content');
    if (previous !== undefined && link.revision <= previous) throw new DuplicateEventId(event.id, link.streamId, 'is stored in another order');
    previous = link.revision;
  }
  const links = events.map((e) => stored.get(e.id)!);
  return { nextExpectedRevision: previous!, revisions: links.map((l) => l.revision), positions: links.map((l) => l.position), hashes: links.map((l) => l.hash), duplicate: true };
}

/** What an adapter knows of a stored event to judge a replay. */
export interface StoredLink {
  streamId: string;
  revision: bigint;
  position: bigint;
  type: string;
  prevHash: string;
  hash: string;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
