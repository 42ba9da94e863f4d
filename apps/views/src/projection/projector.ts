import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, caseStreamId, committedEnvelope, fromKafkaMessage, outboundTopic, parseTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { Lease, LeaseLost, runUnderLease, SQL_DATABASE, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { followAll, PROJECTION_GATHER_MS, STORED_EVENT_STORE, type EventStore, type Follower, type RecordedEvent } from '@passerelle/event-store';
import { FEDERATION_DIRECTORY, type FederationDirectory } from '@passerelle/identity';
import { MESSAGE_BUS, subscribeToTopicSet, type IncomingMessage, type MessageBus, type Subscription } from '@passerelle/messaging';
import { followerProgress, METRICS, type FollowerProgress, type Metrics } from '@passerelle/metrics';
import { describeKafkaMessage, describeStoreEvent, ParkingLot, PoisonGuard, restoreKafkaMessage, restoreStoreEvent, type PoisonGuardOptions } from '@passerelle/parking';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { CITIZEN_DATA_ERASED, PERSONAL_DATA, personalMetadataOf, type PersonalData } from '@passerelle/privacy';
import type { CommittedEvent } from '../domain/case-view';
import { committedEvent, UnreadableMessage } from './committed-event';
import { ViewStore, type ViewItem } from './view-store';

/**
 * Keeps every organization's case views: on Kafka, the events its outbound topic carries —
 * exactly what the organization itself receives, each kept in its stored (sealed) form — or,
 * embedded, from the store's log through each event's audience (an in-process bus does not
 * outlive the process; the store does).
 */
@Injectable()
export class Projector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Projector.name);
  private views!: ViewStore;
  private subscription: Subscription | undefined;
  private leased: { stop(): Promise<void> } | undefined;
  private replays: { stop(): Promise<void> } | undefined;
  private readonly name: string;
  private readonly progress: FollowerProgress;
  private readonly leaseMs: number;

  constructor(
    // The store as it is: views keep personal fields sealed and open them when read.
    @Inject(STORED_EVENT_STORE) private readonly store: EventStore,
    @Inject(PERSONAL_DATA) private readonly personal: PersonalData,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(METRICS) metrics: Metrics,
  ) {
    this.name = `${config.groupPrefix}-views`;
    this.progress = followerProgress(metrics, 'views', () => this.store.lastPosition());
    this.leaseMs = config.leaseSeconds * 1000;
  }

  viewStore(): ViewStore {
    return this.views;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.views = await ViewStore.open(this.db, this.personal);
    const lot = await ParkingLot.open(this.db);
    // A message the views cannot take (after bounded retries) is parked, not retried for ever
    // nor skipped: its case's view waits behind it, the others go on; an operator replays it.
    const parking = {
      component: this.name,
      lot,
      onParked: (m) => this.logger.error({ parked: m.id, caseId: m.caseId, source: m.source, error: m.error }, `a message was parked: ${m.error.message}`),
      onReplayed: (m) => this.logger.log({ parked: m.id, caseId: m.caseId }, 'a parked message was replayed'),
    } satisfies Partial<PoisonGuardOptions<unknown>>;
    const onReplayError = (err: unknown) => this.logger.error({ err }, 'could not replay parked messages; trying again');
    // On Kafka, many views instances share the outbound topics' partitions as one consumer group.
    if (this.bus.kind === 'kafka') {
      // A view is one organization's: a parked message holds back that organization's view of its case only.
      const describe = (message: IncomingMessage) => {
        const description = describeKafkaMessage(message);
        return { ...description, caseId: description.caseId === null ? null : `${parseTopic(message.topic)?.organization ?? message.topic}/${description.caseId}` };
      };
      const guard = new PoisonGuard<IncomingMessage>({ ...parking, process: (messages) => this.fromTopics(messages), describe, restore: restoreKafkaMessage });
      this.replays = guard.replayEvery(1_000, onReplayError);
      this.subscription = await subscribeToTopicSet(this.bus, {
        groupId: this.name,
        fromBeginning: true,
        topics: () => this.directory.organizations().map((o) => outboundTopic(o.id)),
        refreshMs: 2_000,
        handleBatch: (messages) => guard.handle(messages),
        onError: (err) => this.logger.warn({ err }, 'could not follow the outbound topics; retrying'),
      });
      this.logger.log({ group: this.name }, 'views following the outbound topics');
    } else {
      // From the log, one instance follows at a time, under a lease, its writes fenced by it.
      const lease = await Lease.open(this.db, this.name, { ttlMs: this.leaseMs });
      const fence = (tx: Parameters<Lease['assertHeld']>[0]) => lease.assertHeld(tx);
      const guard = new PoisonGuard<RecordedEvent>({ ...parking, fatal: (err) => err instanceof LeaseLost, process: (events) => this.fromLog(events, fence), describe: describeStoreEvent, restore: restoreStoreEvent });
      this.leased = runUnderLease(lease, {
        start: () => {
          const replays = guard.replayEvery(1_000, onReplayError);
          const follower = this.followLog(guard, fence);
          return { stop: async () => (await replays.stop(), await follower.stop()) };
        },
        onChange: (state) => this.logger.log({ lease: lease.name, holder: lease.holder }, `views ${state === 'acquired' ? 'hold the lease: following the log' : state === 'lost' ? 'lost the lease: stopped' : 'stand by: another instance follows the log'}`),
        onError: (err) => this.logger.error({ err }, 'views could not hold their lease; trying again'),
      });
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replays?.stop();
    await this.subscription?.close();
    await this.leased?.stop();
  }

  /**
   * On Kafka, a message says which event reached which organization's view; what the view
   * keeps is the event as stored — its personal fields sealed, opened when the view is read —
   * never the plaintext the topic carries. So an erasure reaches these views at once, as it does
   * the embedded ones, and a rebuild from the topics after an erasure holds no plaintext either.
   * The stored events of a batch are read one range per case.
   */
  private async fromTopics(messages: IncomingMessage[]): Promise<void> {
    const received: Array<{ organization: string; event: CommittedEvent }> = [];
    for (const message of messages) {
      const organization = parseTopic(message.topic)?.organization;
      const parsed = fromKafkaMessage(message);
      // Only the relay writes these topics: an unreadable message is a bug to see, parked with its bytes.
      if (!organization) throw new UnreadableMessage(`${message.topic} is not an outbound topic`);
      if ('error' in parsed) throw new UnreadableMessage(`the message at ${message.topic}/${message.partition}/${message.offset} is not a committed event: ${parsed.error}`);
      // An erasure notice is for the organizations' own copies: these views keep the fields sealed, the key's loss erased them already.
      if ((parsed.document as { type?: unknown }).type === CITIZEN_DATA_ERASED) continue;
      received.push({ organization, event: committedEvent(parsed.document as CaseEventEnvelope) });
    }
    const stored = await this.storedEvents(received.map((r) => r.event));
    const items = received.map(({ organization, event }): ViewItem => ({ organization, event: stored.get(`${event.caseid}\u0000${event.revision}`)! }));
    await this.views.apply(items);
    // Topics of several organizations arrive in parallel: the newest position applied.
    const newest = items.reduce((max, item) => (BigInt(item.event.position) > max ? BigInt(item.event.position) : max), 0n);
    if (newest > 0n) this.progress.advanced(newest);
  }

  /** The stored form of these committed events, by case and revision: one read per case. */
  private async storedEvents(events: readonly CommittedEvent[]): Promise<Map<string, CommittedEvent>> {
    const ranges = new Map<string, { from: number; to: number }>();
    for (const { caseid, revision } of events) {
      const range = ranges.get(caseid);
      ranges.set(caseid, range ? { from: Math.min(range.from, revision), to: Math.max(range.to, revision) } : { from: revision, to: revision });
    }
    const stored = new Map<string, CommittedEvent>();
    for (const [caseId, { from, to }] of ranges) {
      for (const event of await this.store.readStream(caseStreamId(caseId), { from: BigInt(from), limit: to - from + 1 })) {
        stored.set(`${caseId}\u0000${event.revision}`, viewEventOf(event));
      }
    }
    for (const event of events) {
      const found = stored.get(`${event.caseid}\u0000${event.revision}`);
      // The relay sends what the store holds: anything else is not the hub's event.
      if (found?.id !== event.id || found.position !== event.position) {
        throw new UnreadableMessage(`event ${event.id} (case ${event.caseid}, revision ${event.revision}) is not the one the store holds there`);
      }
    }
    return stored;
  }

  /** The views of these events' audiences, with the checkpoint of the last one, in one transaction. */
  private async fromLog(events: RecordedEvent[], fence: (tx: SqlExecutor) => Promise<void>): Promise<void> {
    const items = events.flatMap((event) => {
      const envelope = viewEventOf(event);
      return caseEventMetadata(event).audience.map((organization) => ({ organization, event: envelope }));
    });
    await this.views.apply(items, { name: this.name, position: events.at(-1)!.position }, fence);
  }

  /** Embedded: the log from the views' own checkpoint, saved with each batch's effect. */
  private followLog(guard: PoisonGuard<RecordedEvent>, fence: (tx: SqlExecutor) => Promise<void>): Follower {
    return followAll(this.store, {
      from: async () => {
        const from = await this.views.checkpoints.read(this.name);
        this.progress.startsFrom(from);
        return from;
      },
      filter: { streamPrefix: CASE_STREAM_PREFIX },
      gatherMs: PROJECTION_GATHER_MS,
      handle: async (batch) => {
        await guard.handle(batch);
        // Past what was parked too (it is kept, with its bytes, in the parking lot).
        await this.views.apply([], { name: this.name, position: batch.at(-1)!.position }, fence);
        this.progress.advanced(batch.at(-1)!.position);
      },
      onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'views could not follow the log; starting again from their checkpoint'),
    });
  }
}

/** A stored event as a view keeps it: its personal fields sealed, with how to open them. */
function viewEventOf(event: RecordedEvent): CommittedEvent {
  const personal = personalMetadataOf(event);
  return { ...committedEvent(committedEnvelope(event)), ...(personal ? { sealed: { eventId: event.id, citizen: personal.citizen, fields: personal.fields } } : {}) };
}
