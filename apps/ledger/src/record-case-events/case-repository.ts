import { caseEventMetadata, caseStreamId, type CaseEventEnvelope } from '@passerelle/contracts';
import { StreamNotFound, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { caseEventOf, evolve, initialCaseFile, isCategory, type CaseFile } from '../domain/case-file';

/** A case as the ledger decides on it: its state and its revision. */
export interface LoadedCase {
  state: CaseFile;
  /** The last revision, or -1 for a case with no event. */
  revision: bigint;
}

const EMPTY: LoadedCase = { state: initialCaseFile(), revision: -1n };

/**
 * Reads a case by folding its stream, and keeps the most recently used ones in memory so a
 * busy case is not read again for every event. A cached case is small (its sharing state),
 * whatever its length. The cache may be stale when another ledger appended meanwhile: the
 * append's expected revision catches that, and the caller drops the entry and reads again.
 */
export class CaseRepository {
  private readonly cache = new Map<string, LoadedCase>();

  constructor(
    private readonly store: EventStore,
    private readonly capacity = 20_000,
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
    this.cache.delete(caseId);
    this.cache.set(caseId, loaded);
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value!);
  }

  forget(caseId: string): void {
    this.cache.delete(caseId);
  }
}

/** The case file as its stored events make it. */
export function fold(events: readonly RecordedEvent[]): LoadedCase {
  let state = initialCaseFile();
  let revision = -1n;
  for (const event of events) {
    const metadata = caseEventMetadata(event);
    const envelope = event.data as unknown as CaseEventEnvelope;
    const category = isCategory(metadata.category) ? metadata.category : 'case';
    state = evolve(state, caseEventOf(envelope, { publisher: metadata.publisher, category, receivedAt: metadata.receivedAt }));
    revision = event.revision;
  }
  return { state, revision };
}
