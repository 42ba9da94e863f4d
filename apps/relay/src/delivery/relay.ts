import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CitizenDirectory } from '@passerelle/citizens';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope, EXCHANGE_HEADERS, outboundTopic, parseTopic, toKafkaMessage } from '@passerelle/contracts';
import { Lease, runUnderLease, SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { Checkpoints, EVENT_STORE, followAll, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus, type OutgoingMessage } from '@passerelle/messaging';
import { followerProgress, METRICS, type FollowerProgress, type Metrics } from '@passerelle/metrics';
import { describeStoreEvent, ParkingLot, PoisonGuard, restoreStoreEvent } from '@passerelle/parking';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { ERASURE_STREAM_PREFIX, type ErasureNotice } from '@passerelle/privacy';
import { startSpan, traceHeaders, type Span } from '@passerelle/telemetry';
import { erasureMessages } from './erasure-notices';

/**
 * Delivers every committed case event to the outbound topic of each organization entitled to
 * it — the audience the ledger decided when it accepted the event, so delivery is need-to-know
 * by construction. It follows the global log from a durable checkpoint, publishes a batch,
 * and moves the checkpoint only once the bus acknowledged every message: after a crash it
 * starts again from the last acknowledged batch, so an event may be delivered twice (with the
 * same id), never lost. It also tells organizations of erasures, in the same pass over the log (`deliverErasures`).
 */
@Injectable()
export class Relay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Relay.name);
  private leased: { stop(): Promise<void> } | undefined;
  private readonly name: string;
  private readonly leaseMs: number;
  /** Published and checkpointed so far by this process (for logs and tests). */
  delivered = 0;
  private readonly deliveries;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(METRICS) private readonly metrics: Metrics,
    @Optional() private readonly citizens?: CitizenDirectory,
  ) {
    this.name = `${config.groupPrefix}-relay`;
    this.deliveries = metrics.counter({ name: 'passerelle_relay_delivered_messages_total', help: 'Messages the relay published on an organization’s outbound topic', labelNames: ['organization'] });
    this.leaseMs = config.leaseSeconds * 1000;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.bus.kind === 'memory') {
      // Embedded: no organization can consume an in-process topic; they read their events
      // from the gateway's event stream and the views, both served from the store.
      this.logger.log('embedded mode: outbound topics are not fed; organizations read through the gateway');
      return;
    }
    const checkpoints = await Checkpoints.open(this.db);
    // An event that cannot be delivered (after bounded retries) is parked, not retried for
    // ever: its case waits behind it, the other cases go on; an operator replays it.
    const guard = new PoisonGuard<RecordedEvent>({
      component: this.name,
      lot: await ParkingLot.open(this.db),
      process: (events) => this.deliver(events),
      describe: describeStoreEvent,
      restore: restoreStoreEvent,
      onParked: (m) => this.logger.error({ parked: m.id, caseId: m.caseId, source: m.source, error: m.error }, `an event was parked: ${m.error.message}`),
      onReplayed: (m) => this.logger.log({ parked: m.id, caseId: m.caseId }, 'a parked event was replayed'),
    });
    // One cursor over the log for every organization: its lag is each organization's wait.
    const progress = followerProgress(this.metrics, 'relay', () => this.store.lastPosition());
    // Many relays may run; one delivers at a time, under a lease, the others stand by and one
    // takes over within a lease's life of its death. Each batch checks the lease before it is
    // published and moves the checkpoint in a transaction fenced by it.
    const lease = await Lease.open(this.db, this.name, { ttlMs: this.leaseMs });
    this.leased = runUnderLease(lease, {
      start: () => this.follow(lease, checkpoints, guard, progress),
      onChange: (state) => this.logger.log({ lease: lease.name, holder: lease.holder, fence: String(lease.fence ?? '') }, `relay ${state === 'acquired' ? 'holds the lease: delivering' : state === 'lost' ? 'lost the lease: stopped' : 'stands by: another instance delivers'}`),
      onError: (err) => this.logger.error({ err }, 'relay could not hold its lease; trying again'),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.leased?.stop();
  }

  private follow(lease: Lease, checkpoints: Checkpoints, guard: PoisonGuard<RecordedEvent>, progress: FollowerProgress): { stop(): Promise<void> } {
    const replays = guard.replayEvery(1_000, (err) => this.logger.error({ err }, 'could not replay parked events; trying again'));
    const follower = followAll(this.store, {
      from: async () => {
        const from = await checkpoints.read(this.name);
        progress.startsFrom(from);
        this.logger.log({ from: String(from), checkpoint: this.name }, `relay following the log after position ${from}`);
        return from;
      },
      // Case events and the hub's erasures in one log order: a case event read before an
      // erasure was recorded (opened in clear) is published before its notice, never after.
      filter: { streamPrefix: [CASE_STREAM_PREFIX, ERASURE_STREAM_PREFIX] },
      handle: async (batch) => {
        await lease.assertHeld(this.db);
        const erasures = batch.filter((event) => event.streamId.startsWith(ERASURE_STREAM_PREFIX));
        const caseEvents = erasures.length === 0 ? batch : batch.filter((event) => !erasures.includes(event));
        await guard.handle(caseEvents);
        // After the batch's case events: those after an erasure in the log were opened after it, erased.
        if (erasures.length > 0) await this.deliverErasures(erasures);
        await this.db.transaction(async (tx) => {
          await lease.assertHeld(tx);
          await checkpoints.save(this.name, batch.at(-1)!.position, tx);
        });
        progress.advanced(batch.at(-1)!.position);
        this.delivered += caseEvents.length;
      },
      onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'relay failed; starting again from its checkpoint'),
    });
    return {
      stop: async () => {
        await replays.stop();
        await follower.stop();
      },
    };
  }

  /** Each organization told of each erasure, per case, with the citizen as that case showed them to it. */
  private async deliverErasures(events: readonly RecordedEvent[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    const citizenAsShown = async (organization: string, notice: ErasureNotice) =>
      this.citizens && notice.opened ? this.citizens.presentTo(organization, notice.opened.publisher, notice.opened.citizen) : null;
    for (const event of events) {
      for (const { topic, message } of await erasureMessages(event, citizenAsShown)) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.bus.publish(topic, messages)));
  }

  /**
   * The message as `organization` is sent it: the citizen under its own pairwise pseudonym. A
   * message so mapped is no longer what the publisher signed: it goes without the publisher's
   * signature, marked `passerelle-citizen-mapped` (the stored, signed envelope is what audit verifies).
   */
  private async shownTo(organization: string, publisher: string, envelope: ReturnType<typeof committedEnvelope>, message: OutgoingMessage): Promise<OutgoingMessage> {
    if (!this.citizens) return message;
    const data = await this.citizens.presentData(organization, publisher, envelope.data);
    if (data === envelope.data) return message;
    const mapped = toKafkaMessage({ ...envelope, data });
    const { [EXCHANGE_HEADERS.signature]: _signed, ...headers } = message.headers ?? {};
    return { ...mapped, headers: { ...headers, 'passerelle-citizen-mapped': 'citizen' } };
  }

  /** One message per entitled organization per event, published per topic in log order. */
  private async deliver(events: readonly RecordedEvent[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    const spans: Span[] = [];
    for (const event of events) {
      const metadata = caseEventMetadata(event);
      const envelope = committedEnvelope(event);
      const message = toKafkaMessage(envelope);
      // The trace the ledger began continues here and, through the headers, at the consumer.
      const relaying = metadata.traceparent ? startSpan('relay deliver', { parent: metadata.traceparent, attributes: { 'passerelle.position': Number(event.position) } }) : undefined;
      const sending = relaying ? startSpan('send outbound', { role: 'producer', parent: traceHeaders(relaying), attributes: { 'messaging.system': 'kafka', 'passerelle.audience': metadata.audience.length } }) : undefined;
      if (relaying && sending) spans.push(sending, relaying);
      message.headers = { ...message.headers, [EXCHANGE_HEADERS.signature]: metadata.signature, ...(sending ? traceHeaders(sending) : {}) };
      for (const organization of metadata.audience) {
        const topic = outboundTopic(organization);
        const list = byTopic.get(topic) ?? [];
        list.push(await this.shownTo(organization, metadata.publisher, envelope, message));
        byTopic.set(topic, list);
      }
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.bus.publish(topic, messages))).finally(() => spans.forEach((span) => span.end()));
    for (const [topic, messages] of byTopic) this.deliveries.inc({ organization: parseTopic(topic)?.organization ?? 'unknown' }, messages.length);
  }
}
