import { batchesOf } from './batches';
import type { AllFilter, AllSubscription, EventStore, RecordedEvent } from './event-store.port';

export interface FollowOptions {
  /** Where to start (exclusive), asked again after every failure: the reader's durable checkpoint. */
  from: () => Promise<bigint>;
  filter?: AllFilter;
  /** Handles one batch; the reader saves its checkpoint here, once the batch's effect is durable. */
  handle: (events: RecordedEvent[]) => Promise<void>;
  onError: (err: unknown, retryInMs: number) => void;
  /** Events per batch (default 500). */
  batchSize?: number;
  /** How long a live event waits for company (default 5 ms). */
  lingerMs?: number;
  /** How long live commits gather before they are read (default 0; see SubscribeToAllOptions). */
  gatherMs?: number;
}

export interface Follower {
  /** Ends the subscription and waits for the batch in hand. */
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 5_000;

/**
 * The gather of a read model's follower (views, measures): 50 ms behind the log is not seen
 * by a reader, and under load each read and batch then takes several commits rather than one
 * (on the embedded hub, every statement shares one connection with the appends).
 */
export const PROJECTION_GATHER_MS = 50;

/**
 * Follows the global log in batches from a durable checkpoint, for as long as it runs: the
 * loop behind the relay and the projections. After a failure it waits (backing off) and
 * starts again from the checkpoint, so a batch whose effect was not made durable comes again.
 */
export function followAll(store: EventStore, options: FollowOptions): Follower {
  let stopped = false;
  let subscription: AllSubscription | undefined;
  let wake: (() => void) | undefined;

  const run = async () => {
    let failures = 0;
    while (!stopped) {
      try {
        subscription = store.subscribeToAll({ fromPosition: await options.from(), filter: options.filter, gatherMs: options.gatherMs });
        if (stopped) break;
        // One batch read ahead: the next page (and whatever reading it costs) is fetched while
        // this one is handled, which mostly waits on its own writes. Handled strictly in order.
        const batches = batchesOf(subscription, options.batchSize ?? 500, options.lingerMs ?? 5);
        let next = batches.next();
        for (;;) {
          const current = await next;
          if (current.done || stopped) break;
          next = batches.next();
          // A failure below ends this subscription; the read ahead is then dropped, unheard.
          next.catch(() => undefined);
          await options.handle(current.value);
          failures = 0;
        }
      } catch (err) {
        if (stopped) break;
        failures += 1;
        const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures);
        options.onError(err, delay);
        await subscription?.close().catch(() => undefined);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, delay);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
    await subscription?.close().catch(() => undefined);
  };
  const running = run();

  return {
    stop: async () => {
      stopped = true;
      wake?.();
      await subscription?.close().catch(() => undefined);
      await running;
    },
  };
}
