import { Partitioners, type Admin, type Consumer, type Kafka, type Message, type Producer } from 'kafkajs';
import { assertMessageKeys, type IncomingMessage, type MessageBus, type OutgoingMessage, type SubscribeOptions, type Subscription } from '../message-bus.port';
import { publishError, retryRetriable } from '../bus-errors';
import { CoalescedSends } from '../coalesced-sends';
import { kafkaClient, type KafkaConnectionOptions } from './kafka-connection';

export interface KafkaBusOptions extends KafkaConnectionOptions {
  /**
   * Whether subscribe() first creates the topics it is given (default: yes, as the hub's
   * services do). A member organization's client may not create topics: it sets false.
   */
  createTopics?: boolean;
  /** Told after each consumed batch how many messages of its partition remain behind it (metrics). */
  onConsumerLag?: (lag: { groupId: string; topic: string; partition: number; messages: number }) => void;
}

/** The message bus on a Kafka cluster, through kafkajs. */
export class KafkaBus implements MessageBus {
  readonly kind = 'kafka' as const;
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private producerReady: Promise<void> | null = null;
  private adminReady: Promise<void> | null = null;
  private readonly consumers = new Set<Consumer>();
  private readonly sends = new CoalescedSends((topic, messages) => this.send(topic, messages));
  /** The partition kafkajs' partitioner chose for each message of a send in progress. */
  private readonly placed = new WeakMap<Message, number>();

  constructor(private readonly options: KafkaBusOptions) {
    this.kafka = kafkaClient(options);
    // Idempotent: a retried send is written once per partition, in order. kafkajs then
    // retries without bound, so a publish waits out a broker restart instead of failing.
    // kafkajs' own partitioner, but each message's partition is noted: see send().
    this.producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      createPartitioner: () => {
        const choose = Partitioners.DefaultPartitioner();
        return (args) => {
          const partition = choose(args);
          this.placed.set(args.message, partition);
          return partition;
        };
      },
    });
    this.admin = this.kafka.admin();
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    assertMessageKeys(messages);
    return this.sends.publish(topic, messages);
  }

  /**
   * One produce request; the publishes waiting behind it are coalesced by {@link CoalescedSends}.
   *
   * kafkajs can report a send written when part of it was not: it remembers which brokers
   * answered a send, not which partitions, so when a broker dies mid-send and one of its
   * partitions moves to a broker that had already answered for others, its retry leaves that
   * partition out and resolves (kafkajs issue #1303, unreleased fix #1798). Each partition the
   * messages were placed on must therefore be in kafkajs' answer; the messages of one that is
   * not are sent again, to the same partition, in order, before the publish resolves.
   */
  private async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    let pending: Message[] = messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers }));
    try {
      await this.connectProducer();
      for (let round = 1; ; round++) {
        const written = await this.producer.send({ topic, acks: -1, messages: pending });
        const acknowledged = new Set(written.filter((r) => r.errorCode === 0).map((r) => r.partition));
        const left = pending.filter((m) => !acknowledged.has(this.placed.get(m) ?? -1));
        if (left.length === 0) return;
        const partitions = [...new Set(left.map((m) => this.placed.get(m)))].join(', ');
        if (round === MAX_SEND_ROUNDS) throw new Error(`kafkajs reported ${left.length} message(s) for partition(s) ${partitions} written ${round} times without an acknowledgement for them`);
        this.options.log?.('warn', `kafkajs left partition(s) ${partitions} of ${topic} out of a send it reported written (a leader moved mid-send): sending their ${left.length} message(s) again`, { topic, partitions, messages: left.length });
        pending = left.map((m) => ({ ...m, partition: this.placed.get(m) }));
      }
    } catch (err) {
      throw publishError(topic, err, refusal(err));
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.options.createTopics !== false) await this.ensureTopics(options.topics);
    // A member's client cannot create topics; asking for their metadata first turns a topic
    // it may not read into TOPIC_AUTHORIZATION_FAILED now, rather than a consumer that joins
    // its group and then fetches nothing.
    else await this.describeTopics(options.topics);
    const start = await retryRetriable(() => this.startPositions(options), retriable);
    // A fetch returns as soon as data arrives; the wait bounds only idle polls, and with them
    // how long disconnect() (shutdown, rebalance) waits for the one in flight.
    const consumer = this.kafka.consumer({ groupId: options.groupId, allowAutoTopicCreation: true, maxWaitTimeInMs: 500, readUncommitted: true });
    this.consumers.add(consumer);
    // Joined, or crashed for good before joining (an ACL withdrawn meanwhile, say): the caller
    // hears which, rather than waiting for a join that will never come.
    const joined = new Promise<void>((resolve, reject) => {
      const offJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
        offJoin();
        offCrash();
        resolve();
      });
      const offCrash = consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart) return; // kafkajs starts it again: still on its way to a join
        offJoin();
        offCrash();
        reject(payload.error);
      });
    });
    try {
      await this.start(consumer, options, start);
    } catch (err) {
      // Nothing half-started is left behind: the caller may simply subscribe again.
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    try {
      await joined;
    } catch (err) {
      this.consumers.delete(consumer);
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    // Made durable, so a consumer restarted before its first batch starts from the same place.
    if (start.length > 0) await retryRetriable(() => consumer.commitOffsets(start), retriable);
    return {
      close: async () => {
        this.consumers.delete(consumer);
        await consumer.disconnect();
      },
    };
  }

  private async start(consumer: Consumer, options: SubscribeOptions, start: Array<{ topic: string; partition: number; offset: string }>): Promise<void> {
    await consumer.connect();
    // Right after a topic is created its partitions may not be known everywhere yet
    // (UNKNOWN_TOPIC_OR_PARTITION, retriable): wait that out.
    await retryRetriable(() => consumer.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? false }), retriable);
    const running = consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
      eachBatch: async ({ batch, isRunning, isStale, resolveOffset }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages: IncomingMessage[] = batch.messages.map((m) => ({
          topic: batch.topic,
          partition: batch.partition,
          offset: m.offset,
          key: m.key ? m.key.toString('utf8') : null,
          value: m.value ?? Buffer.alloc(0),
          headers: decodeHeaders(m.headers),
          timestamp: Number(m.timestamp),
        }));
        // A rejection propagates to kafkajs, which seeks back and delivers the batch again.
        await options.handleBatch(messages);
        const last = batch.messages[batch.messages.length - 1]!;
        // Resolving moves kafkajs' fetch position; without it the batch is fetched again.
        resolveOffset(last.offset);
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
        this.options.onConsumerLag?.({ groupId: options.groupId, topic: batch.topic, partition: batch.partition, messages: Math.max(0, Number(batch.offsetLag())) });
      },
    });
    // run() has created the consumer group synchronously: seeks made now apply before its
    // first fetch (kafkajs' own admin.setOffsets relies on the same order).
    for (const position of start) consumer.seek(position);
    await running;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    await this.connectAdmin();
    // kafkajs waits 5 s for the broker by default: on a busy machine creating a topic and
    // electing its leaders takes longer, with nothing wrong.
    await this.admin.createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true, timeout: 60_000 });
  }

  private async describeTopics(topics: string[]): Promise<void> {
    await this.connectAdmin();
    await retryRetriable(() => this.admin.fetchTopicMetadata({ topics }), retriable);
  }

  async ping(): Promise<Record<string, unknown>> {
    await this.connectAdmin();
    const cluster = await this.admin.describeCluster();
    return { bus: 'kafka', brokers: cluster.brokers.length, controller: cluster.controller };
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.consumers].map((c) => c.disconnect()));
    this.consumers.clear();
    await Promise.allSettled([this.producer.disconnect(), this.admin.disconnect()]);
  }

  /**
   * A group with no committed position would otherwise pick "earliest" or "latest" lazily,
   * on its first fetch after joining, and miss what was published in between. Pinning the
   * start position first makes `subscribe()` resolving mean "live from here".
   */
  private async startPositions(options: SubscribeOptions): Promise<Array<{ topic: string; partition: number; offset: string }>> {
    await this.connectAdmin();
    const committed = await this.admin.fetchOffsets({ groupId: options.groupId, topics: options.topics });
    const positions: Array<{ topic: string; partition: number; offset: string }> = [];
    for (const { topic, partitions } of committed) {
      const unset = partitions.filter((p) => p.offset === '-1');
      if (unset.length === 0) continue;
      const ends = await this.admin.fetchTopicOffsets(topic);
      for (const { partition } of unset) {
        const end = ends.find((e) => e.partition === partition)!;
        positions.push({ topic, partition, offset: options.fromBeginning ? end.low : end.high });
      }
    }
    return positions;
  }

  private connectProducer(): Promise<void> {
    this.producerReady ??= this.producer.connect().catch((err: unknown) => {
      this.producerReady = null;
      throw err;
    });
    return this.producerReady;
  }

  private connectAdmin(): Promise<void> {
    this.adminReady ??= this.admin.connect().catch((err: unknown) => {
      this.adminReady = null;
      throw err;
    });
    return this.adminReady;
  }
}

/** kafkajs names a broker's refusal in `type` (e.g. MESSAGE_TOO_LARGE). */
function refusal(err: unknown): string | undefined {
  const type = (err as { type?: unknown }).type;
  return typeof type === 'string' ? type : undefined;
}

/** How many times a send goes again for partitions kafkajs left out before the publish fails (retriable). */
const MAX_SEND_ROUNDS = 5;

/** kafkajs marks what it would retry itself. */
function retriable(err: unknown): boolean {
  return (err as { retriable?: boolean }).retriable === true;
}

function decodeHeaders(headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
