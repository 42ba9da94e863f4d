import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope, EXCHANGE_HEADERS, outboundTopic, toKafkaMessage } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { Checkpoints, EVENT_STORE, followAll, type EventStore, type Follower, type RecordedEvent } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus, type OutgoingMessage } from '@passerelle/messaging';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';

/**
 * Delivers every committed case event to the outbound topic of each organization entitled to
 * it — the audience the ledger decided when it accepted the event, so delivery is need-to-know
 * by construction. It follows the global log from a durable checkpoint, publishes a batch,
 * and moves the checkpoint only once the bus acknowledged every message: after a crash it
 * starts again from the last acknowledged batch, so an event may be delivered twice (with the
 * same id), never lost.
 */
@Injectable()
export class Relay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Relay.name);
  private follower: Follower | undefined;
  private readonly name: string;
  /** Published and checkpointed so far by this process (for logs and tests). */
  delivered = 0;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
  ) {
    this.name = `${config.groupPrefix}-relay`;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.bus.kind === 'memory') {
      // Embedded: no organization can consume an in-process topic; they read their events
      // from the gateway's event stream and the views, both served from the store.
      this.logger.log('embedded mode: outbound topics are not fed; organizations read through the gateway');
      return;
    }
    const checkpoints = await Checkpoints.open(this.db);
    this.follower = followAll(this.store, {
      from: async () => {
        const from = await checkpoints.read(this.name);
        this.logger.log({ from: String(from), checkpoint: this.name }, `relay following the log after position ${from}`);
        return from;
      },
      filter: { streamPrefix: CASE_STREAM_PREFIX },
      handle: async (batch) => {
        await this.deliver(batch);
        await checkpoints.save(this.name, batch.at(-1)!.position);
        this.delivered += batch.length;
      },
      onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'relay failed; starting again from its checkpoint'),
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower?.stop();
  }

  /** One message per entitled organization per event, published per topic in log order. */
  private async deliver(events: readonly RecordedEvent[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const event of events) {
      const metadata = caseEventMetadata(event);
      const message = toKafkaMessage(committedEnvelope(event));
      message.headers = { ...message.headers, [EXCHANGE_HEADERS.signature]: metadata.signature };
      for (const organization of metadata.audience) {
        const topic = outboundTopic(organization);
        const list = byTopic.get(topic) ?? [];
        list.push(message);
        byTopic.set(topic, list);
      }
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.bus.publish(topic, messages)));
  }
}
