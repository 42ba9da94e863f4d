import type { AllSubscription, RecordedEvent } from '../event-store.port';

export interface PollingOptions {
  /** Events per read; a full page is followed by another read at once (catch-up). */
  pageSize: number;
  /** The longest a live subscription waits before reading again when nobody wakes it. */
  pollIntervalMs: number;
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
        // A short page means caught up: wait, unless woken meanwhile (then read again at once).
        if (page.length < this.options.pageSize && !this.woken && !this.closed) await this.idle();
      }
    } finally {
      this.onEnd();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      this.wake = done;
    });
  }
}
