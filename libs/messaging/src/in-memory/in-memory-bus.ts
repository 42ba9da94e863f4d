import { assertMessageKeys, type IncomingMessage, type MessageBus, type OutgoingMessage, type SubscribeOptions, type Subscription } from '../message-bus.port';

const MAX_BATCH = 500;
const MAX_BACKOFF_MS = 2_000;

/**
 * An in-process bus for embedded mode and fast tests: one partition per topic, committed
 * positions per group, redelivery after a failed handler. Nothing survives the process,
 * which is fine where the event store, not the bus, is the system of record.
 */
export class InMemoryBus implements MessageBus {
  readonly kind = 'memory' as const;
  private readonly topics = new Map<string, IncomingMessage[]>();
  private readonly committed = new Map<string, number>(); // `${group}\u0000${topic}` → next offset
  private readonly subscriptions = new Set<InMemorySubscription>();
  private closed = false;

  async publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    this.assertOpen();
    const log = this.log(topic);
    assertMessageKeys(messages);
    const now = Date.now();
    for (const message of messages) {
      log.push({
        topic,
        partition: 0,
        offset: String(log.length),
        key: message.key,
        value: Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value),
        headers: { ...(message.headers ?? {}) },
        timestamp: now,
      });
    }
    for (const subscription of this.subscriptions) subscription.wake();
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen();
    for (const topic of options.topics) {
      const key = this.groupKey(options.groupId, topic);
      if (!this.committed.has(key)) this.committed.set(key, options.fromBeginning ? 0 : this.log(topic).length);
    }
    const subscription = new InMemorySubscription(this, options, () => this.subscriptions.delete(subscription));
    this.subscriptions.add(subscription);
    subscription.wake();
    return subscription;
  }

  async ensureTopics(topics: string[]): Promise<void> {
    for (const topic of topics) this.log(topic);
  }

  async ping(): Promise<Record<string, unknown>> {
    this.assertOpen();
    return { bus: 'memory', topics: this.topics.size };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.subscriptions].map((s) => s.close()));
  }

  /** @internal used by subscriptions */
  pending(groupId: string, topic: string): IncomingMessage[] {
    const from = this.committed.get(this.groupKey(groupId, topic)) ?? 0;
    return this.log(topic).slice(from, from + MAX_BATCH);
  }

  /** @internal used by subscriptions */
  commit(groupId: string, topic: string, nextOffset: number): void {
    this.committed.set(this.groupKey(groupId, topic), nextOffset);
  }

  private log(topic: string): IncomingMessage[] {
    let log = this.topics.get(topic);
    if (!log) {
      log = [];
      this.topics.set(topic, log);
    }
    return log;
  }

  private groupKey(groupId: string, topic: string): string {
    return `${groupId}\u0000${topic}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('The in-memory bus is closed');
  }
}

class InMemorySubscription implements Subscription {
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly bus: InMemoryBus,
    private readonly options: SubscribeOptions,
    private readonly onClose: () => void,
  ) {}

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.onClose();
  }

  private async drain(): Promise<void> {
    // Deliver on a later tick, as a network bus would: a publisher never runs handlers inline.
    await new Promise((resolve) => setImmediate(resolve));
    for (const topic of this.options.topics) {
      for (;;) {
        if (this.stopped) return;
        const batch = this.bus.pending(this.options.groupId, topic);
        if (batch.length === 0) break;
        try {
          await this.options.handleBatch(batch);
        } catch {
          // Not committed: the same messages come again after a backoff, as with Kafka.
          this.failures += 1;
          const delay = Math.min(MAX_BACKOFF_MS, 50 * 2 ** (this.failures - 1));
          this.timer = setTimeout(() => this.wake(), delay);
          return;
        }
        this.failures = 0;
        const last = batch[batch.length - 1]!;
        this.bus.commit(this.options.groupId, topic, Number(last.offset) + 1);
      }
    }
  }
}
