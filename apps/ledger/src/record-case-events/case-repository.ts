import { caseEventMetadata, caseStreamId, type CaseEventEnvelope } from '@passerelle/contracts';
import { StreamNotFound, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { caseEventOf, evolve, initialCaseFile, isCategory, type CaseFile } from '../domain/case-file';

/** Where an accepted event stands in its case. */
export interface StoredLink {
  revision: bigint;
  position: bigint;
  hash: string;
}

/** A case as the ledger decides on it: its state, its revision, and the ids it holds. */
export interface LoadedCase {
  state: CaseFile;
  /** The last revision, or -1 for a case with no event. */
  revision: bigint;
  stored: ReadonlyMap<string, StoredLink>;
}

const EMPTY: LoadedCase = { state: initialCaseFile(), revision: -1n, stored: new Map() };

/**
 * Reads a case by folding its stream, and keeps the most recently used ones in memory so a
 * busy case is not read again for every event. The cache may be stale when another ledger
 * appended meanwhile: the append's expected revision catches that, and the caller drops the
 * entry and reads again.
 */
export class CaseRepository {
  private readonly cache = new Map<string, LoadedCase>();
  /** Event ids held across the cached cases: what bounds the cache's memory. */
  private ids = 0;

  constructor(
    private readonly store: EventStore,
    /** At most this many event ids cached in all (about 150 bytes each); least recently used cases go first. */
    private readonly capacity = 200_000,
  ) {}

  async load(caseId: string): Promise<LoadedCase> {
    const cached = this.cache.get(caseId);
    if (cached) {
      // Re-inserted: Map order is the eviction order (least recently used first).
      this.cache.delete(caseId);
      this.cache.set(caseId, cached);
      return cached;
    }
    let events: RecordedEvent[];
    try {
      events = await this.store.readStream(caseStreamId(caseId));
    } catch (err) {
      if (err instanceof StreamNotFound) return EMPTY;
      throw err;
    }
    const loaded = fold(events);
    this.remember(caseId, loaded);
    return loaded;
  }

  remember(caseId: string, loaded: LoadedCase): void {
    this.forget(caseId);
    if (loaded.stored.size > this.capacity) return; // a case this large is read each time
    this.cache.set(caseId, loaded);
    this.ids += loaded.stored.size;
    for (const [oldest, evicted] of this.cache) {
      if (this.ids <= this.capacity) break;
      this.cache.delete(oldest);
      this.ids -= evicted.stored.size;
    }
  }

  forget(caseId: string): void {
    const cached = this.cache.get(caseId);
    if (!cached) return;
    this.cache.delete(caseId);
    this.ids -= cached.stored.size;
  }
}

/** The case file as its stored events make it. */
export function fold(events: readonly RecordedEvent[]): LoadedCase {
  let state = initialCaseFile();
  let revision = -1n;
  const stored = new Map<string, StoredLink>();
  for (const event of events) {
    const metadata = caseEventMetadata(event);
    const envelope = event.data as unknown as CaseEventEnvelope;
    const category = isCategory(metadata.category) ? metadata.category : 'case';
    state = evolve(state, caseEventOf(envelope, { publisher: metadata.publisher, category, receivedAt: metadata.receivedAt }));
    revision = event.revision;
    stored.set(event.id, { revision: event.revision, position: event.position, hash: event.hash });
  }
  return { state, revision, stored };
}
