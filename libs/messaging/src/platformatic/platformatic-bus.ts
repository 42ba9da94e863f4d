import {
  Admin,
  compatibilityPartitioner,
  Consumer,
  FetchIsolationLevels,
  ListOffsetTimestamps,
  MessagesStreamFallbackModes,
  MessagesStreamModes,
  Producer,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import { MESSAGE_FAULTS, publishError, retryRetriable } from '../bus-errors';
import { CoalescedSends } from '../coalesced-sends';
import type { KafkaBusOptions } from '../kafka/kafka-bus';
import { assertMessageKeys, type IncomingMessage, type MessageBus, type OutgoingMessage, type SubscribeOptions, type Subscription } from '../message-bus.port';
import { forwardLog, platformaticOptions } from './platformatic-connection';

/** The same options as the kafkajs adapter's: the port's semantics do not depend on the client. */
export type PlatformaticBusOptions = KafkaBusOptions;

type Position = { topic: string; partition: number; offset: bigint };

/** How often the consumer lag is measured when `onConsumerLag` is set (the client measures it apart from fetching). */
const LAG_INTERVAL_MS = 5_000;
/** Messages a subscriber holds ahead of its handler before it stops fetching. */
const MAX_BUFFERED = 2_000;

/** The message bus on a Kafka cluster, through @platformatic/kafka. */
export class PlatformaticBus implements MessageBus {
  readonly kind = 'kafka' as const;
  private readonly connection: ReturnType<typeof platformaticOptions>;
  private readonly producer: Producer;
  private readonly admin: Admin;
  private readonly subscriptions = new Set<ConsumerSubscription>();
  private readonly sends = new CoalescedSends((topic, messages) => this.send(topic, messages));

  constructor(private readonly options: PlatformaticBusOptions) {
    this.connection = platformaticOptions(options);
    let roundRobin = 0;
    // Idempotent (acks all, one request in flight): a retried send is written once per
    // partition, in order; the client then retries without bound, so a publish waits out a
    // broker restart. Keys go to the partition kafkajs and the Java client pick
    // (murmur2 & 0x7fffffff; the client's default drops the mask), so both adapters agree.
    this.producer = new Producer({
      ...this.connection,
      idempotent: true,
      autocreateTopics: true,
      partitioner: (message, key) => (key ? compatibilityPartitioner(message, key) : (roundRobin = (roundRobin + 1) % 2 ** 31)),
    });
    // Creating a topic and electing its leaders takes more than the client's 5 s on a busy machine.
    this.admin = new Admin({ ...this.connection, timeout: 60_000 });
    forwardLog(this.producer, options);
    forwardLog(this.admin, options);
  }

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    assertMessageKeys(messages);
    return this.sends.publish(topic, messages);
  }

  /**
   * One produce request. Concurrent sends of this client can reach the broker out of the order
   * they were made (the contract's sixty-four concurrent publishes: the first two landed last):
   * {@link CoalescedSends} keeps one in flight per topic and sends what waited behind it
   * together, in the order the publishes were made.
   */
  private async send(topic: string, messages: OutgoingMessage[]): Promise<void> {
    try {
      await this.producer.send({
        messages: messages.map((m) => ({
          topic,
          ...(m.key === null ? {} : { key: Buffer.from(m.key) }),
          value: Buffer.from(m.value),
          headers: new Map(Object.entries(m.headers ?? {}).map(([name, value]) => [Buffer.from(name), Buffer.from(value)])),
        })),
      });
    } catch (err) {
      throw publishError(topic, clientError(err), protocolErrorIds(err).find((id) => MESSAGE_FAULTS.has(id)));
    }
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    if (this.options.createTopics !== false) await this.ensureTopics(options.topics);
    // A member's client cannot create topics; asking for their metadata first turns a topic
    // it may not read into TOPIC_AUTHORIZATION_FAILED now, rather than a consumer that joins
    // its group and then fetches nothing.
    else await this.describeTopics(options.topics);
    const consumer = new Consumer({
      ...this.connection,
      groupId: options.groupId,
      autocommit: false,
      // A fetch returns as soon as data arrives; the wait bounds only idle polls, and with them
      // how long close() waits for the one in flight.
      maxWaitTime: 500,
      // As the kafkajs adapter: the hub writes no transactions, so nothing is held back.
      isolationLevel: FetchIsolationLevels.READ_UNCOMMITTED,
      highWaterMark: 500,
    });
    forwardLog(consumer, this.options);
    const subscription = new ConsumerSubscription(consumer, options, this.options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    try {
      await subscription.start();
    } catch (err) {
      // Nothing half-started is left behind: the caller may simply subscribe again.
      await subscription.close().catch(() => undefined);
      throw clientError(err);
    }
    return subscription;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    try {
      await this.admin.createTopics({ topics });
    } catch (err) {
      if (!onlyProtocolErrors(err, 'TOPIC_ALREADY_EXISTS')) throw clientError(err);
    }
    await this.waitForLeaders(topics);
  }

  /** A topic just created has no leader for a moment: publishing or joining then fails. */
  private async waitForLeaders(topics: string[]): Promise<void> {
    await retryRetriable(async () => {
      const metadata = await this.admin.metadata({ topics, forceUpdate: true });
      for (const topic of topics) {
        const partitions = metadata.topics.get(topic)?.partitions ?? [];
        if (partitions.length === 0 || partitions.some((p) => p.leader < 0)) throw Object.assign(new Error(`${topic} has no leader yet`), { canRetry: true });
      }
    }, canRetry);
  }

  private async describeTopics(topics: string[]): Promise<void> {
    try {
      await retryRetriable(() => this.admin.metadata({ topics, forceUpdate: true }), canRetry);
    } catch (err) {
      throw clientError(err);
    }
  }

  async ping(): Promise<Record<string, unknown>> {
    try {
      const metadata = await this.admin.metadata({ topics: [], forceUpdate: true });
      return { bus: 'kafka', brokers: metadata.brokers.size, controller: metadata.controllerId };
    } catch (err) {
      throw clientError(err);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    await Promise.allSettled([this.producer.close(), this.admin.close()]);
  }
}

/**
 * One subscriber: its consumer, the stream it reads, and the handler fed one partition's batch
 * at a time, in order, committing only after the handler resolved.
 */
class ConsumerSubscription implements Subscription {
  private stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | undefined;
  /** Per `topic:partition`, what arrived and is not handled yet, in offset order. */
  private readonly pending = new Map<string, IncomingMessage[]>();
  /** Per `topic:partition`, the offset after the last message handled: anything before it is a redelivery of what is done. */
  private readonly handled = new Map<string, bigint>();
  private buffered = 0;
  /** The batch loop while it runs: close() waits for the batch in the handler, as kafkajs' disconnect does. */
  private draining: Promise<void> | undefined;
  /** Counts the streams read: what an older stream left behind is not queued again after a restart. */
  private generation = 0;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly consumer: Consumer,
    private readonly options: SubscribeOptions,
    private readonly bus: PlatformaticBusOptions,
    private readonly onClose: () => void,
  ) {}

  /**
   * Joins the group, pins the start of every partition the group has no position for, then
   * reads. Resolving means "live from here"; a join that fails for good (an ACL, say) rejects.
   */
  async start(): Promise<void> {
    const start = await retryRetriable(() => this.startPositions(), canRetry);
    // The topics are the group subscription: tracked before the join, so the join carries them
    // and consume() below finds the member joined and assigned, without joining again.
    this.consumer.topics.trackAll(...this.options.topics);
    await this.consumer.joinGroup({});
    // Committed, not only sought: the stream reads the group's committed positions on every
    // (re)join, and a group with none would pick "earliest" or "latest" lazily on its first
    // fetch, missing what was published in between. Also durable across a restart.
    if (start.length > 0) await retryRetriable(() => this.consumer.commit({ offsets: start.map((p) => ({ ...p, leaderEpoch: -1 })) }), canRetry);
    await this.read();
    if (this.bus.onConsumerLag) this.watchLag(this.bus.onConsumerLag);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
    this.consumer.stopLagMonitoring();
    await this.stream?.close().catch(() => undefined);
    await this.draining;
    await this.consumer.close(true);
  }

  /** The group's position, else the topic's start or end, for each partition with none. */
  private async startPositions(): Promise<Position[]> {
    const metadata = await this.consumer.metadata({ topics: this.options.topics });
    const topics = this.options.topics.map((topic) => ({ topic, partitions: [...Array(metadata.topics.get(topic)!.partitionsCount).keys()] }));
    const committed = await this.consumer.listCommittedOffsets({ topics });
    const ends = await this.consumer.listOffsets({ topics: this.options.topics, timestamp: this.options.fromBeginning ? ListOffsetTimestamps.EARLIEST : ListOffsetTimestamps.LATEST });
    const positions: Position[] = [];
    for (const { topic, partitions } of topics) {
      for (const partition of partitions) {
        if ((committed.get(topic)?.[partition] ?? -1n) >= 0n) continue;
        positions.push({ topic, partition, offset: ends.get(topic)![partition]! });
      }
    }
    return positions;
  }

  private async read(): Promise<void> {
    const stream = await this.consumer.consume({
      topics: this.options.topics,
      mode: MessagesStreamModes.COMMITTED,
      fallbackMode: this.options.fromBeginning ? MessagesStreamFallbackModes.EARLIEST : MessagesStreamFallbackModes.LATEST,
      autocommit: false,
    });
    this.stream = stream;
    stream.on('data', (message: Message<Buffer, Buffer, Buffer, Buffer>) => this.receive(message));
    // A stream the client gave up on (a fetch failing for good): read again from the group's
    // committed positions, as kafkajs restarts a crashed consumer.
    stream.once('error', (err: Error) => {
      this.bus.log?.('warn', `consumer of ${this.options.groupId} restarts: ${clientError(err).message}`, { groupId: this.options.groupId });
      setTimeout(() => void this.restart(), 1_000).unref();
    });
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    // The new stream starts again at the committed positions: nothing of the old one is kept.
    this.generation += 1;
    this.stream?.removeAllListeners('data');
    void this.stream?.close().catch(() => undefined);
    this.pending.clear();
    this.buffered = 0;
    try {
      await this.read();
    } catch {
      setTimeout(() => void this.restart(), 1_000).unref();
    }
  }

  private receive(message: Message<Buffer, Buffer, Buffer, Buffer>): void {
    const key = `${message.topic}:${message.partition}`;
    if (message.offset < (this.handled.get(key) ?? -1n)) return;
    const queue = this.pending.get(key) ?? [];
    if (queue.length === 0) this.pending.set(key, queue);
    queue.push(incoming(message));
    if (++this.buffered >= MAX_BUFFERED) this.stream?.pause();
    void this.drain();
  }

  /** One batch at a time, partition after partition: a partition's batches never overlap or reorder. */
  private drain(): Promise<void> {
    this.draining ??= this.drainAll().finally(() => {
      this.draining = undefined;
      if (!this.closed && this.pending.size > 0) void this.drain();
    });
    return this.draining;
  }

  private async drainAll(): Promise<void> {
    for (let next = this.pending.entries().next(); !this.closed && !next.done; next = this.pending.entries().next()) {
      const [key, batch] = next.value;
      this.pending.delete(key);
      this.buffered -= batch.length;
      if (this.buffered < MAX_BUFFERED / 2 && this.stream?.isPaused()) this.stream.resume();
      const { topic, partition } = batch[0]!;
      // Revoked meanwhile: its new owner starts from the committed position.
      if (!this.assigned(topic, partition)) continue;
      const generation = this.generation;
      if (await this.deliver(key, batch)) continue;
      // Restarted meanwhile: the new stream reads this batch again from the committed position.
      if (generation !== this.generation) continue;
      // Rejected: the same messages, and what came after them, go again after a pause.
      const later = this.pending.get(key) ?? [];
      this.pending.delete(key);
      this.pending.set(key, batch.concat(later));
      this.buffered += batch.length;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 100 * 2 ** this.failures++)));
    }
  }

  private async deliver(key: string, batch: IncomingMessage[]): Promise<boolean> {
    const last = batch[batch.length - 1]!;
    const after = BigInt(last.offset) + 1n;
    try {
      await this.options.handleBatch(batch);
      await this.consumer.commit({ offsets: [{ topic: last.topic, partition: last.partition, offset: after, leaderEpoch: -1 }] });
    } catch {
      return false;
    }
    this.failures = 0;
    this.handled.set(key, after);
    return true;
  }

  private assigned(topic: string, partition: number): boolean {
    return this.consumer.assignments?.some((a) => a.topic === topic && a.partitions.includes(partition)) ?? false;
  }

  /** The client measures lag on a timer (end offset minus committed), not per fetch. */
  private watchLag(report: NonNullable<PlatformaticBusOptions['onConsumerLag']>): void {
    this.consumer.on('consumer:lag', (lag) => {
      for (const [topic, partitions] of lag) {
        partitions.forEach((messages, partition) => {
          if (messages >= 0n) report({ groupId: this.options.groupId, topic, partition, messages: Number(messages) });
        });
      }
    });
    this.consumer.startLagMonitoring({ topics: this.options.topics }, LAG_INTERVAL_MS);
  }
}

function incoming(m: Message<Buffer, Buffer, Buffer, Buffer>): IncomingMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of m.headers) {
    const header = name.toString();
    if (!(header in headers)) headers[header] = value.toString();
  }
  return {
    topic: m.topic,
    partition: m.partition,
    offset: m.offset.toString(),
    key: m.key ? m.key.toString('utf8') : null,
    value: m.value ?? Buffer.alloc(0),
    headers,
    timestamp: Number(m.timestamp),
  };
}

/**
 * Every error in the client's chain: it wraps the reason in causes and aggregates ("metadata
 * failed 4 times.", "Cannot connect to any broker."), which its own findErrorBy does not all walk.
 */
function chain(err: unknown): Error[] {
  if (!(err instanceof Error)) return [];
  const nested = [...((err as { errors?: unknown[] }).errors ?? []), ...(err.cause ? [err.cause] : [])];
  return [err, ...nested.flatMap(chain)];
}

/** The Kafka error names the broker answered with, anywhere in the chain. */
function protocolErrorIds(err: unknown): string[] {
  return chain(err).flatMap((e) => {
    const id = (e as { apiId?: unknown }).apiId;
    return typeof id === 'string' ? [id] : [];
  });
}

/** The client marks what it would retry itself: every error in the chain must allow it. */
function canRetry(err: unknown): boolean {
  return err instanceof Error && chain(err).every((e) => (e as { canRetry?: boolean }).canRetry !== false);
}

/** Every error the broker answered (if any) is `name`: e.g. topics that all exist already. */
function onlyProtocolErrors(err: unknown, name: string): boolean {
  const ids = protocolErrorIds(err);
  return ids.length > 0 && ids.every((id) => id === name);
}

/**
 * The client's error as a user can read it: its messages are generic ("Connection to … failed.",
 * "metadata failed 4 times."), the reason sits deeper in the chain. Our own refusal of a
 * token is said as it is; otherwise the broker's error names (TOPIC_AUTHORIZATION_FAILED, …)
 * lead the message, and the first of them is the error's `type`, as kafkajs names it.
 */
function clientError(err: unknown): Error {
  if (!(err instanceof Error)) return new Error(String(err));
  const refused = chain(err).find((e) => e.message.startsWith('SASL_AUTHENTICATION_FAILED'));
  if (refused) return Object.assign(new Error(refused.message, { cause: err }), { type: 'SASL_AUTHENTICATION_FAILED' });
  const ids = [...new Set(protocolErrorIds(err))];
  if (ids.length === 0) return err;
  return Object.assign(new Error(`${ids.join(', ')}: ${err.message}`, { cause: err }), { type: ids[0] });
}
