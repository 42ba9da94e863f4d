import { batchesOf, type AllSubscription, type AppendOutcome, type AppendResult, type EventLocation, type EventStore, type EventToAppend, type ExpectedRevision, type ReadAllOptions, type ReadStreamOptions, type RecordedEvent, type StreamAppend, type StreamHeadRecord, type SubscribeToAllOptions } from '@passerelle/event-store';
import type { PersonalData } from './personal-data';

/** At most this many events of a subscription share one key look-up. */
const OPEN_PAGE = 500;

/**
 * The event store as the hub's readers see it: every event read comes with its sealed
 * personal fields opened, or marked erased. Appends pass through as they are (the ledger
 * seals before appending). The events' `hash` stays the stored one, over the sealed form:
 * auditors recompute the chain on the store itself (STORED_EVENT_STORE), not on this.
 */
export class OpeningEventStore implements EventStore {
  constructor(
    private readonly store: EventStore,
    private readonly personal: PersonalData,
  ) {}

  get locatesAll(): boolean {
    return this.store.locatesAll;
  }

  appendToStream(streamId: string, events: EventToAppend[], expectedRevision: ExpectedRevision): Promise<AppendResult> {
    return this.store.appendToStream(streamId, events, expectedRevision);
  }

  appendMany(appends: readonly StreamAppend[]): Promise<AppendOutcome[]> {
    return this.store.appendMany(appends);
  }

  locate(ids: readonly string[]): Promise<Map<string, EventLocation>> {
    return this.store.locate(ids);
  }

  async readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.personal.open(await this.store.readStream(streamId, options));
  }

  async readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.personal.open(await this.store.readAll(options));
  }

  /**
   * Opened a page at a time: the events the subscription has ready (a catch-up page, or what
   * arrived together) share one look-up of their citizens' keys, rather than one each.
   */
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscription {
    const inner = this.store.subscribeToAll(options);
    const personal = this.personal;
    return {
      async *[Symbol.asyncIterator]() {
        for await (const ready of batchesOf(inner, OPEN_PAGE, 0)) yield* await personal.open(ready);
      },
      close: () => inner.close(),
    };
  }

  streamExists(streamId: string): Promise<boolean> {
    return this.store.streamExists(streamId);
  }

  streamHead(streamId: string): Promise<StreamHeadRecord | undefined> {
    return this.store.streamHead(streamId);
  }

  heads(filter?: { streamPrefix?: string }): ReturnType<EventStore['heads']> {
    return this.store.heads(filter);
  }

  lastPosition(): Promise<bigint> {
    return this.store.lastPosition();
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
