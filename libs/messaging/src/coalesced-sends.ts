import type { OutgoingMessage } from './message-bus.port';

/** How many bytes one coalesced request carries at most (a broker takes 1 MiB per batch by default). */
export const MAX_COALESCED_BYTES = 512 * 1024;

interface Waiting {
  messages: OutgoingMessage[];
  bytes: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * One send at a time per topic, but the publishes that arrive meanwhile are not sent one by
 * one behind it: when the send in flight is answered, the topic's waiting publishes go as one
 * request (up to {@link MAX_COALESCED_BYTES}), in the order they were made. Sixty-four HTTP
 * publishers waiting on the same inbound topic cost one round trip to the broker, not
 * sixty-four in a row (an idempotent producer has one request in flight per broker). Each
 * caller hears of its own messages: should a coalesced request fail, its publishes are sent
 * again one by one, so a message the broker refuses fails only the publish that carried it.
 * A request refused for some partitions may have written others: sending again then writes
 * those messages twice, as a caller's own retry of a failed publish would (delivery is at
 * least once: the store takes an event id once, and subscribers deduplicate by event id).
 */
export class CoalescedSends {
  private readonly waiting = new Map<string, Waiting[]>();
  private readonly sending = new Set<string>();

  constructor(private readonly send: (topic: string, messages: OutgoingMessage[]) => Promise<void>) {}

  publish(topic: string, messages: OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const queue = this.waiting.get(topic);
      const entry = { messages, bytes: sizeOf(messages), resolve, reject };
      if (queue) queue.push(entry);
      else this.waiting.set(topic, [entry]);
      void this.drain(topic);
    });
  }

  private async drain(topic: string): Promise<void> {
    if (this.sending.has(topic)) return;
    this.sending.add(topic);
    try {
      for (let queue = this.waiting.get(topic); queue !== undefined; queue = this.waiting.get(topic)) {
        const taken = takeUpTo(queue, MAX_COALESCED_BYTES);
        if (queue.length === 0) this.waiting.delete(topic);
        await this.sendTaken(topic, taken);
      }
    } finally {
      this.sending.delete(topic);
    }
  }

  private async sendTaken(topic: string, taken: Waiting[]): Promise<void> {
    try {
      await this.send(topic, taken.length === 1 ? taken[0]!.messages : taken.flatMap((w) => w.messages));
      for (const w of taken) w.resolve();
    } catch (err) {
      if (taken.length === 1) {
        taken[0]!.reject(err);
        return;
      }
      for (const w of taken) {
        try {
          await this.send(topic, w.messages);
          w.resolve();
        } catch (own) {
          w.reject(own);
        }
      }
    }
  }
}

/** The first publishes of the queue that fit in `limit` bytes together (always at least one). */
function takeUpTo(queue: Waiting[], limit: number): Waiting[] {
  let bytes = 0;
  let n = 0;
  while (n < queue.length && (n === 0 || bytes + queue[n]!.bytes <= limit)) bytes += queue[n++]!.bytes;
  return queue.splice(0, n);
}

function sizeOf(messages: readonly OutgoingMessage[]): number {
  let bytes = 0;
  for (const m of messages) {
    bytes += byteLength(m.value) + byteLength(m.key) + 64;
    for (const [name, value] of Object.entries(m.headers ?? {})) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  return bytes;
}

const byteLength = (data: string | Buffer | null): number => (data === null ? 0 : typeof data === 'string' ? Buffer.byteLength(data) : data.length);
