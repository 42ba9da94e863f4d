import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata } from '@passerelle/contracts';
import { EVENT_STORE, followAll, type EventStore, type Follower, type RecordedEvent } from '@passerelle/event-store';

/** Events a live stream may hold unread before it is sent back to read the store itself. */
const QUEUE_LIMIT = 2_000;

/**
 * What one live stream has been handed and not yet sent. Bounded: a client that stops reading
 * overflows it, is dropped from the fan-out, and catches up from the store at its own pace —
 * so it never holds up the follower or the other streams, nor fills the hub's memory.
 */
export class LiveQueue {
  private items: RecordedEvent[] = [];
  private overflowed = false;
  private waiter: (() => void) | undefined;

  constructor(private readonly onClose: () => void) {}

  push(event: RecordedEvent): void {
    if (this.overflowed) return;
    if (this.items.length >= QUEUE_LIMIT) {
      this.overflowed = true;
      this.items = [];
      this.onClose();
    } else {
      this.items.push(event);
    }
    this.waiter?.();
  }

  /** Everything handed so far (waiting for at least one), or 'overflow' once it overflowed. */
  async take(): Promise<RecordedEvent[] | 'overflow'> {
    while (this.items.length === 0 && !this.overflowed) await new Promise<void>((resolve) => (this.waiter = resolve));
    this.waiter = undefined;
    if (this.overflowed) return 'overflow';
    const taken = this.items;
    this.items = [];
    return taken;
  }

  close(): void {
    this.onClose();
  }
}

/**
 * One follower of the store's log for every event stream of this process, fanned out to the
 * streams of each organization in the event's audience: the log is read once however many
 * clients are connected (each stream used to poll the whole log on its own).
 */
@Injectable()
export class LogFanout implements OnModuleDestroy {
  private readonly logger = new Logger(LogFanout.name);
  private readonly listeners = new Map<string, Set<LiveQueue>>();
  private follower: Follower | undefined;
  private position = 0n;
  /** How many times the follower subscribed to the store (once, and again after a failure). */
  subscriptions = 0;

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  /**
   * A queue of `organization`'s events handled from now on. The first listener starts the
   * follower at `from`, a position the caller has read up to: a later one may be behind or
   * ahead of it, and skips what it has already sent.
   */
  listen(organization: string, from: bigint): LiveQueue {
    const queue = new LiveQueue(() => this.listeners.get(organization)?.delete(queue));
    const set = this.listeners.get(organization) ?? new Set<LiveQueue>();
    set.add(queue);
    this.listeners.set(organization, set);
    if (!this.follower) {
      this.position = from;
      this.follower = followAll(this.store, {
        from: async () => {
          this.subscriptions += 1;
          return this.position;
        },
        filter: { streamPrefix: CASE_STREAM_PREFIX },
        handle: async (batch) => {
          for (const event of batch) {
            for (const org of caseEventMetadata(event).audience) {
              for (const listener of this.listeners.get(org) ?? []) listener.push(event);
            }
          }
          this.position = batch.at(-1)!.position;
        },
        onError: (err, retryInMs) => this.logger.error({ err, retryInMs }, 'the event streams’ log follower failed; following again'),
      });
    }
    return queue;
  }

  /** Streams listening now, for every organization. */
  listening(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  async onModuleDestroy(): Promise<void> {
    await this.follower?.stop();
  }
}
