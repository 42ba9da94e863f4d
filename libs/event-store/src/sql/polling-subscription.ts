import type { AllSubscription, RecordedEvent } from '../event-store.port';

export interface PollingOptions {
  /** Events per read; a full page is followed by another read at once (catch-up). */
  pageSize: number;
  /** The longest a live subscription waits before reading again when nobody wakes it. */
  pollIntervalMs: number;
  /** Live, how long commits may gather after a short page before the next read (0: none). */
  gatherMs?: number;
}

/**
 * A subscription that reads `position > checkpoint` in pages, keyset-style, and between reads
 * sleeps until woken (a local append, a NOTIFY from another process) or the poll interval
 * passes. Correct only over a store whose positions become visible in order (see
 * docs/event-store.md): then a read never sees position p+1 before p, and moving the
 * checkpoint past everything read skips nothing.
 */
export class PollingSubscription implements AllSubscription {
  private checkpoint: bigint;
  private closed = false;
  private woken = false;
  private wake: (() => void) | undefined;
  private interrupt: (() => void) | undefined;
  private iterator: AsyncGenerator<RecordedEvent> | undefined;

  constructor(
    private readonly read: (after: bigint, limit: number) => Promise<RecordedEvent[]>,
    from: bigint,
    private readonly options: PollingOptions,
    private readonly onEnd: () => void,
  ) {
    this.checkpoint = from;
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    if (this.iterator) throw new Error('a subscription is iterated once; subscribe again for another reader');
    this.iterator = this.run();
    return this.iterator;
  }

  /** Something may have been committed: read again without waiting for the poll interval. */
  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Ends the iteration; resolves once no read is in flight. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.wake?.();
      this.interrupt?.();
    }
    await this.iterator?.return(undefined);
    this.onEnd();
  }

  private async *run(): AsyncGenerator<RecordedEvent> {
    try {
      while (!this.closed) {
        this.woken = false;
        const page = await this.read(this.checkpoint, this.options.pageSize);
        for (const event of page) {
          if (this.closed) return;
          this.checkpoint = event.position;
          yield event;
        }
        // A short page means caught up: wait, unless woken meanwhile (then read again at once,
        // or once the commits that woke it have had `gatherMs` to gather).
        if (page.length < this.options.pageSize && !this.closed) {
          if (!this.woken) await this.idle(this.options.pollIntervalMs);
          if (this.options.gatherMs && !this.closed) await this.gather(this.options.gatherMs);
        }
      }
    } finally {
      this.onEnd();
    }
  }

  /** Sleeps `ms` whatever is committed meanwhile; ends early only when closed. */
  private gather(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
    });
  }

  /** Sleeps `ms`, or until woken or closed. */
  private idle(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
