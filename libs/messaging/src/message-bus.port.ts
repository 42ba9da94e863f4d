/** A message to publish. The key decides the partition, so one key keeps its order. */
export interface OutgoingMessage {
  key: string | null;
  value: Buffer | string;
  headers?: Record<string, string>;
}

/**
 * Refuses, before anything is sent, a message whose key is not a string or null (a caller's
 * mistake the type system did not catch): every bus says so alike.
 */
export function assertMessageKeys(messages: readonly OutgoingMessage[]): void {
  for (const message of messages) {
    const key: unknown = message.key;
    if (key !== null && typeof key !== 'string') throw new TypeError(`a message key is a string or null, not ${Array.isArray(key) ? 'an array' : typeof key}`);
  }
}

/** A message as a subscriber receives it. */
export interface IncomingMessage {
  topic: string;
  partition: number;
  /** Position in its partition, as a decimal string (Kafka offsets exceed 2^53). */
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
  /** When the message was published, in milliseconds since the epoch. */
  timestamp: number;
}

export interface SubscribeOptions {
  /** Subscribers sharing a group id share the work and its committed position. */
  groupId: string;
  topics: string[];
  /** Where a group with no committed position starts: the oldest message, or only new ones. */
  fromBeginning?: boolean;
  /**
   * Receives messages in order per partition. The position is committed only after the
   * returned promise resolves; if it rejects, the same messages are delivered again.
   * Delivery is therefore at least once: handlers deduplicate by message identity.
   */
  handleBatch(messages: IncomingMessage[]): Promise<void>;
  /**
   * How many partitions' batches may be in the handler at once (default 1). Order holds per
   * partition either way; a handler that allows more must not rely on one partition's batch
   * finishing before another's starts. Buses that deliver one batch at a time may ignore it.
   */
  partitionsConcurrently?: number;
}

export interface Subscription {
  /** Stops receiving; positions already committed stay committed. */
  close(): Promise<void>;
}

/**
 * The hub's message bus: Kafka in a stack, an in-process bus in embedded mode.
 * Both pass the same contract suite (message-bus.contract.ts).
 */
export interface MessageBus {
  readonly kind: 'kafka' | 'memory';
  /** Resolves once every message is acknowledged by the bus. */
  publish(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Resolves once the subscriber is live (joined its group and assigned). */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Creates topics that do not exist yet; existing ones are left as they are. */
  ensureTopics(topics: string[]): Promise<void>;
  /** Answers when the bus is reachable; rejects with the reason when it is not. */
  ping(): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export const MESSAGE_BUS = Symbol('MESSAGE_BUS');
