import type { IncomingMessage, MessageBus, Subscription } from './message-bus.port';

export interface TopicSetOptions {
  groupId: string;
  /** The topics to consume now; asked again every `refreshMs`. */
  topics: () => string[];
  fromBeginning?: boolean;
  refreshMs?: number;
  handleBatch(messages: IncomingMessage[]): Promise<void>;
  /** See SubscribeOptions.partitionsConcurrently. */
  partitionsConcurrently?: number;
  /** A failed (re-)subscription (the bus down, or not ready); the next refresh tries again. */
  onError?: (err: unknown) => void;
}

/**
 * A subscription to a set of topics that grows with the federation (one inbound or receipts
 * topic per member organization): when the set changes, the group re-subscribes with the new
 * set. Positions are committed per batch, so the switch loses and repeats nothing beyond what
 * at-least-once delivery already allows.
 */
export async function subscribeToTopicSet(bus: MessageBus, options: TopicSetOptions): Promise<Subscription> {
  let current: { topics: string; subscription: Subscription } | undefined;
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const refresh = () => {
    queue = queue.then(async () => {
      if (closed) return;
      const topics = [...new Set(options.topics())].sort();
      const key = topics.join('\n');
      if (current?.topics === key) return;
      const previous = current;
      current = undefined;
      await previous?.subscription.close();
      if (topics.length === 0 || closed) return;
      const subscription = await bus.subscribe({ groupId: options.groupId, topics, fromBeginning: options.fromBeginning, handleBatch: options.handleBatch, partitionsConcurrently: options.partitionsConcurrently });
      current = { topics: key, subscription };
    });
    return queue;
  };

  // A bus not ready yet at start (a broker still electing leaders) is retried with every
  // refresh rather than failing the start: readiness reports the bus meanwhile.
  await refresh().catch((err: unknown) => {
    queue = Promise.resolve();
    options.onError?.(err);
  });
  const timer = setInterval(() => {
    refresh().catch((err: unknown) => {
      queue = Promise.resolve();
      options.onError?.(err);
    });
  }, options.refreshMs ?? 5_000);
  timer.unref();

  return {
    close: async () => {
      closed = true;
      clearInterval(timer);
      await queue.catch(() => undefined);
      await current?.subscription.close();
      current = undefined;
    },
  };
}
