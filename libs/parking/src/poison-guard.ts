import { comesAfter, type ParkedError, type ParkedMessage, type ParkedSource, type ParkingLot, type ParkRequest } from './parking-lot';

/** How a component's item appears in the parking lot: where it came from, its case, its bytes. */
export interface ParkedDescription {
  source: ParkedSource;
  caseId: string | null;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

export interface PoisonGuardOptions<T> {
  /** The component processing (and replaying) the items: relay, views, ledger. */
  component: string;
  lot: ParkingLot;
  /** The component's own work on items in order; rejects with an error carrying `retriable` when trying again may help. */
  process: (items: T[]) => Promise<void>;
  describe: (item: T) => ParkedDescription;
  /** An item again, from its parked bytes, for a replay. */
  restore: (message: ParkedMessage) => T;
  /** Errors that are about this instance, not the message (a lost lease): they end the batch at once, parking nothing. */
  fatal?: (error: unknown) => boolean;
  /** Tries per item for a retriable error, backoff between them (default 5). */
  maxAttempts?: number;
  /** First backoff (default 200 ms), doubled each try, at most 5 s. */
  backoffMs?: number;
  /** Said once per parked item: an alert-worthy event. */
  onParked?: (message: { id: string; caseId: string | null; source: ParkedSource; error: ParkedError; heldBehind?: string }) => void;
  onReplayed?: (message: ParkedMessage) => void;
}

/** Every item of a batch failed with a retriable error: the infrastructure, not a message. */
export class BatchUnavailable extends Error {
  readonly retriable = true;
  constructor(cause: unknown) {
    super(`every message of the batch failed with a retriable error; it will be tried again whole: ${describeError(cause).message}`, { cause });
    this.name = 'BatchUnavailable';
  }
}

type Outcome = { ok: true } | { ok: false; error: unknown; attempts: number };

/**
 * Runs a component's batches so that no message can block it for ever. A batch is tried whole,
 * a retriable failure again with backoff a bounded number of times; if it still fails, its
 * items are tried one by one, in order: one that fails with a non-retriable error, or keeps
 * failing with a retriable one while others of the batch succeed, is parked with its error,
 * its attempts and its original bytes. A parked item holds back the later items of its case
 * (parked behind it) and only those; the others proceed. When nothing in the batch succeeds
 * and every error is retriable, nothing is parked: the batch fails whole (BatchUnavailable)
 * and the caller tries again from its checkpoint, as for any outage.
 */
export class PoisonGuard<T> {
  private readonly maxAttempts: number;
  private readonly backoffMs: number;

  constructor(private readonly options: PoisonGuardOptions<T>) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? 200;
  }

  /** Processes the batch; resolves once every item is processed or parked. */
  async handle(batch: readonly T[]): Promise<void> {
    if (batch.length === 0) return;
    const described = batch.map((item) => ({ item, description: this.options.describe(item) }));
    const held = await this.options.lot.holding(this.options.component, described.flatMap((d) => (d.description.caseId === null ? [] : [d.description.caseId])));
    const isHeld = (d: ParkedDescription) => {
      const parked = d.caseId === null ? undefined : held.get(d.caseId);
      return parked !== undefined && comesAfter(d.source, parked.source);
    };
    const free = described.filter((d) => !isHeld(d.description));
    if (free.length === 0 || (await this.attempt(free.map((d) => d.item))).ok) {
      await this.parkHeld(described.filter((d) => !free.includes(d)), held);
      return;
    }
    // One by one, in order; a case stops at its first parked item. An item that keeps failing
    // retriably is a suspect: if nothing after it succeeds, the outage began there (the batch
    // fails whole); if something did, it is tried once more — an outage over by then lets it
    // through — and parked only if it fails again, its case's later items behind it.
    let lastSuccess = -1;
    const suspects: Array<{ index: number; item: T; description: ParkedDescription; error: unknown; attempts: number; behind: Array<{ item: T; description: ParkedDescription }> }> = [];
    const suspectOf = new Map<string, (typeof suspects)[number]>();
    for (const [index, { item, description }] of described.entries()) {
      const caseId = description.caseId;
      const suspect = caseId === null ? undefined : suspectOf.get(caseId);
      if (suspect) {
        suspect.behind.push({ item, description });
        continue;
      }
      if (isHeld(description)) {
        await this.parkHeld([{ item, description }], held);
        continue;
      }
      const outcome = await this.attempt([item]);
      if (outcome.ok) {
        lastSuccess = index;
        continue;
      }
      if (isRetriable(outcome.error)) {
        const entry = { index, item, description, error: outcome.error, attempts: outcome.attempts + 1, behind: [] };
        suspects.push(entry);
        if (caseId !== null) suspectOf.set(caseId, entry);
        continue;
      }
      await this.parkFailed(description, outcome.error, outcome.attempts + 1, held);
    }
    for (const suspect of suspects) {
      if (suspect.index > lastSuccess) throw new BatchUnavailable(suspect.error);
      const queue = [{ item: suspect.item, description: suspect.description }, ...suspect.behind];
      for (const [i, { item, description }] of queue.entries()) {
        const outcome = await this.attempt([item]);
        if (outcome.ok) continue;
        await this.parkFailed(description, outcome.error, outcome.attempts + (i === 0 ? suspect.attempts : 1), held);
        await this.parkHeld(queue.slice(i + 1), held);
        break;
      }
    }
  }

  private async parkFailed(description: ParkedDescription, error: unknown, attempts: number, held: Map<string, { id: string; source: ParkedSource }>): Promise<void> {
    const [id] = await this.options.lot.park([{ component: this.options.component, ...description, error: describeError(error), attempts }]);
    this.options.onParked?.({ id: id!, caseId: description.caseId, source: description.source, error: describeError(error) });
    if (description.caseId !== null) held.set(description.caseId, { id: id!, source: description.source });
  }

  /**
   * Replays what an operator asked for: each such case's parked items, oldest first, through
   * the component's own work, up to the first that fails again (it stays parked, with the
   * new error, and the rest of its case behind it). Returns how many were replayed.
   */
  async replayRequested(): Promise<number> {
    let replayed = 0;
    for (const group of await this.options.lot.replayRequests(this.options.component)) {
      let queue = group;
      while (queue.length > 0) {
        const failedAt = await this.replayInOrder(queue);
        replayed += failedAt === undefined ? queue.length : queue.indexOf(failedAt);
        if (failedAt !== undefined) break;
        // Items parked behind the case while it was replayed: they follow now, in order.
        const caseId = queue[0]!.caseId;
        queue = caseId === null ? [] : (await this.options.lot.list({ component: this.options.component, status: 'waiting' })).filter((m) => m.caseId === caseId);
      }
    }
    return replayed;
  }

  /** Replays requested cases every `intervalMs` (one pass at a time) until stopped. */
  replayEvery(intervalMs: number, onError: (err: unknown) => void): { stop(): Promise<void> } {
    let running: Promise<unknown> = Promise.resolve();
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      running = this.replayRequested()
        .catch(onError)
        .finally(() => (busy = false));
    }, intervalMs);
    return {
      stop: async () => {
        clearInterval(timer);
        await running;
      },
    };
  }

  private async replayInOrder(queue: readonly ParkedMessage[]): Promise<ParkedMessage | undefined> {
    for (const message of queue) {
      const outcome = await this.attempt([this.options.restore(message)]);
      if (!outcome.ok) {
        await this.options.lot.replayFailed(
          queue.map((m) => m.id),
          { id: message.id, error: describeError(outcome.error), attempts: outcome.attempts },
        );
        return message;
      }
      await this.options.lot.markReplayed(message.id);
      this.options.onReplayed?.(message);
    }
    return undefined;
  }

  private async parkHeld(items: ReadonlyArray<{ item: T; description: ParkedDescription }>, held: Map<string, { id: string; source: ParkedSource }>): Promise<void> {
    if (items.length === 0) return;
    const requests: ParkRequest[] = items.map(({ description }) => {
      const behind = held.get(description.caseId!)!.id;
      return {
        component: this.options.component,
        ...description,
        error: { code: 'PARKED.HELD_BACK', message: `waits behind parked message ${behind} of case ${description.caseId}, to keep the case in order`, retriable: false },
        attempts: 0,
        heldBehind: behind,
      };
    });
    const ids = await this.options.lot.park(requests);
    requests.forEach((r, i) => this.options.onParked?.({ id: ids[i]!, caseId: r.caseId, source: r.source, error: r.error, heldBehind: r.heldBehind }));
  }

  /** The items tried until they succeed, fail for good, or use their tries. */
  private async attempt(items: T[]): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.options.process(items);
        return { ok: true };
      } catch (error) {
        if (this.options.fatal?.(error)) throw error;
        if (!isRetriable(error) || attempt >= this.maxAttempts) return { ok: false, error, attempts: attempt };
        await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, this.backoffMs * 2 ** (attempt - 1))));
      }
    }
  }
}

/**
 * Whether trying again may help: the error says `retriable`, or it reports that retriable
 * errors went on past a client's own retries (kafkajs' KafkaJSNumberOfRetriesExceeded, whose
 * cause is the last of them): that is an outage, not a bad message.
 */
export function isRetriable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as { retriable?: unknown; name?: unknown; cause?: unknown };
  if (e.retriable === true || e.name === 'KafkaJSNumberOfRetriesExceeded') return true;
  if (e.retriable === false) return false;
  return e.cause !== undefined && isRetriable(e.cause, depth + 1);
}

/** An error in the parking lot's terms: its code (ours, or the vendor's name), message and retriability. */
export function describeError(error: unknown): ParkedError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : error.name, message: error.message.slice(0, 2_000), retriable: isRetriable(error) };
  }
  return { code: 'UNKNOWN', message: String(error).slice(0, 2_000), retriable: false };
}
