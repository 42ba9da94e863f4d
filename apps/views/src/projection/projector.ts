import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope, fromKafkaMessage, outboundTopic, parseTopic, upcast, type CaseEventEnvelope } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, followAll, type EventStore, type Follower } from '@passerelle/event-store';
import { FEDERATION_DIRECTORY, type FederationDirectory } from '@passerelle/identity';
import { MESSAGE_BUS, subscribeToTopicSet, type IncomingMessage, type MessageBus, type Subscription } from '@passerelle/messaging';
import { followerProgress, METRICS, type FollowerProgress, type Metrics } from '@passerelle/metrics';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import type { CommittedEvent } from '../domain/case-view';
import { ViewStore, type ViewItem } from './view-store';

/**
 * Keeps every organization's case views: from its outbound topic on Kafka — exactly what the
 * organization itself receives — or, embedded, from the store's log through each event's
 * audience (an in-process bus does not outlive the process; the store does).
 */
@Injectable()
export class Projector implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(Projector.name);
  private views!: ViewStore;
  private subscription: Subscription | undefined;
  private follower: Follower | undefined;
  private readonly name: string;
  private readonly progress: FollowerProgress;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(PLATFORM_CONFIG) config: PlatformConfig,
    @Inject(METRICS) metrics: Metrics,
  ) {
    this.name = `${config.groupPrefix}-views`;
    this.progress = followerProgress(metrics, 'views', () => this.store.lastPosition());
  }

  viewStore(): ViewStore {
    return this.views;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.views = await ViewStore.open(this.db);
    if (this.bus.kind === 'kafka') {
      this.subscription = await subscribeToTopicSet(this.bus, {
        groupId: this.name,
        fromBeginning: true,
        topics: () => this.directory.organizations().map((o) => outboundTopic(o.id)),
        refreshMs: 2_000,
        handleBatch: (messages) => this.fromTopics(messages),
        onError: (err) => this.logger.warn({ err }, 'could not follow the outbound topics; retrying'),
      });
      this.logger.log({ group: this.name }, 'views following the outbound topics');
    } else {
      this.follower = this.followLog();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
    await this.follower?.stop();
  }

  private async fromTopics(messages: IncomingMessage[]): Promise<void> {
    const items: ViewItem[] = [];
    for (const message of messages) {
      const organization = parseTopic(message.topic)?.organization;
      const parsed = fromKafkaMessage(message);
      if (!organization || 'error' in parsed) {
        // Only the relay writes these topics: an unreadable message is a bug to see, not to stop on.
        this.logger.error({ topic: message.topic, offset: message.offset }, 'an outbound message is not a committed event; skipped');
        continue;
      }
      items.push({ organization, event: committed(parsed.document as CaseEventEnvelope) });
    }
    try {
      await this.views.apply(items);
      // Topics of several organizations arrive in parallel: the newest position applied.
      const newest = items.reduce((max, item) => (BigInt(item.event.position) > max ? BigInt(item.event.position) : max), 0n);
      if (newest > 0n) this.progress.advanced(newest);
    } catch (err) {
      this.logger.error({ err, messages: messages.length }, 'could not update the views; the batch will be delivered again');
      throw err;
    }
  }

  /** Embedded: the log from the views' own checkpoint, saved with each batch's effect. */
  private followLog(): Follower {
    return followAll(this.store, {
      from: async () => {
        const from = await this.views.checkpoints.read(this.name);
        this.progress.startsFrom(from);
        return from;
      },
      filter: { streamPrefix: CASE_STREAM_PREFIX },
      handle: async (batch) => {
        const items = batch.flatMap((event) => {
          const envelope = committed(committedEnvelope(event));
          return caseEventMetadata(event).audience.map((organization) => ({ organization, event: envelope }));
        });
        await this.views.apply(items, { name: this.name, position: batch.at(-1)!.position });
        this.progress.advanced(batch.at(-1)!.position);
      },
      onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'views could not follow the log; starting again from their checkpoint'),
    });
  }
}

/** The view reads every event at its newest version. */
function committed(envelope: CaseEventEnvelope): CommittedEvent {
  const current = upcast(envelope);
  return {
    id: current.id,
    source: current.source,
    type: current.type,
    time: current.time,
    channel: current.channel,
    caseid: current.caseid,
    data: current.data,
    sequence: current.sequence!,
    position: current.position!,
    hash: current.hash!,
  };
}
