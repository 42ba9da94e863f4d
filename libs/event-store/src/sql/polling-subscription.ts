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
  /** Ends the sleep in progress: `wake` on a commit (not while gathering), `interrupt` on close. */
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
          if (!this.woken) await this.sleep(this.options.pollIntervalMs, true);
          if (this.options.gatherMs && !this.closed) await this.sleep(this.options.gatherMs, false);
        }
      }
    } finally {
      this.onEnd();
    }
  }

  /** Sleeps `ms`, or until closed; `wakeable`: until woken (a commit) too. */
  private sleep(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = this.interrupt = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.interrupt = done;
      if (wakeable) this.wake = done;
    });
  }
}
