import { caseEventMetadata, caseStreamId, type CaseEventEnvelope } from '@passerelle/contracts';
import { StreamNotFound, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { caseEventOf, evolve, initialCaseFile, isCategory, type CaseFile } from '../domain/case-file';

/** What maps what a publisher calls a citizen to the hub-side id (the citizen directory). */
export interface CitizenResolver {
  resolve(organization: string, reference: string): Promise<string>;
}

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
    private readonly citizens?: CitizenResolver,
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
    // The rules compare citizens by their hub-side ids: each publisher named the citizen its own way.
    const hubIds = new Map<string, string>();
    if (this.citizens) {
      for (const event of events) {
        const reference = (event.data as { data?: { citizen?: unknown } }).data?.citizen;
        const publisher = caseEventMetadata(event).publisher;
        if (typeof reference === 'string') hubIds.set(`${publisher}\u0000${reference}`, await this.citizens.resolve(publisher, reference));
      }
    }
    const loaded = fold(events, (publisher, reference) => hubIds.get(`${publisher}\u0000${reference}`) ?? reference);
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

/** The case file as its stored events make it; `citizenOf` gives the hub-side id of a publisher's citizen reference. */
export function fold(events: readonly RecordedEvent[], citizenOf: (publisher: string, reference: string) => string = (_p, reference) => reference): LoadedCase {
  let state = initialCaseFile();
  let revision = -1n;
  for (const event of events) {
    const metadata = caseEventMetadata(event);
    const envelope = withCitizen(event.data as unknown as CaseEventEnvelope, (reference) => citizenOf(metadata.publisher, reference));
    const category = isCategory(metadata.category) ? metadata.category : 'case';
    state = evolve(state, caseEventOf(envelope, { publisher: metadata.publisher, category, receivedAt: metadata.receivedAt }));
    revision = event.revision;
  }
  return { state, revision };
}

/** The envelope with its data's citizen (when it names one) as `map` gives it: a copy, the stored event untouched. */
export function withCitizen<E extends { data: Record<string, unknown> }>(envelope: E, map: (reference: string) => string): E {
  const reference = envelope.data?.citizen;
  if (typeof reference !== 'string') return envelope;
  return { ...envelope, data: { ...envelope.data, citizen: map(reference) } };
}
