/**
 * What both Kafka adapters (kafkajs, @platformatic/kafka) say alike: a failed publish in our
 * terms, and a bounded retry of what their client calls retriable. Vendor-free: each adapter
 * reads its own client's error shape and hands over the Kafka error name.
 */

/** Refusals (Kafka error names) that are about the messages themselves: sending them again cannot help. */
export const MESSAGE_FAULTS: ReadonlySet<string> = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'CORRUPT_MESSAGE', 'INVALID_TOPIC_EXCEPTION']);

/**
 * A failed publish in our terms. Only a refusal of the messages themselves is final; anything
 * else — a broker away or restarting, a producer whose sequence the broker lost
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, UNKNOWN_PRODUCER_ID), the client giving up its own retries — is
 * the bus, not the message, and is retriable, so no message is parked for an outage.
 */
export class PublishError extends Error {
  constructor(
    readonly code: 'BUS.PUBLISH_FAILED' | 'BUS.MESSAGE_REFUSED',
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PublishError';
  }
}

/** `fault`: the Kafka error name the client reported for the refusal, if it gave one. */
export function publishError(topic: string, err: unknown, fault: string | undefined): PublishError {
  const message = err instanceof Error ? err.message : String(err);
  if (fault !== undefined && MESSAGE_FAULTS.has(fault)) return new PublishError('BUS.MESSAGE_REFUSED', `${topic} refused the messages (${fault}): ${message}`, false, { cause: err });
  return new PublishError('BUS.PUBLISH_FAILED', `could not publish to ${topic}: ${message}`, true, { cause: err });
}

/**
 * Retries an admin operation while the client calls its error retriable (e.g. the group
 * coordinator still loading right after a broker start), a bounded number of times.
 */
export async function retryRetriable<T>(operation: () => Promise<T>, isRetriable: (err: unknown) => boolean, attempts = 20): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation();
    } catch (err) {
      if (attempt >= attempts || !isRetriable(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 50 * 2 ** attempt)));
    }
  }
}
