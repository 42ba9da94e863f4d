import type { EventStore } from '@passerelle/event-store';
import { HistoryVerifier, type VerificationReport, type VerifierOptions } from './history';

export interface LogVerificationOptions extends VerifierOptions {
  /** Only the events the hub received from this instant on (a time range: each stream is trusted where the range starts). */
  from?: Date;
  /** …and before this one. */
  to?: Date;
  /** Called after each page: events verified so far, and how far through the log (position / end). */
  onProgress?: (progress: { verified: number; position: bigint; end: bigint }) => void;
  pageSize?: number;
}

/**
 * Verifies the whole log, or a time range of it, reading it page by page in position order
 * with every stream tracked side by side. The whole log must also end, stream by stream, at
 * the heads the store recorded, so a cut tail is found even where no event follows it.
 */
export async function verifyLog(store: EventStore, options: LogVerificationOptions = {}): Promise<VerificationReport> {
  const verifier = new HistoryVerifier(options);
  const whole = !options.from && !options.to;
  const { position: end, heads } = await store.heads();
  let after = 0n;
  let verified = 0;
  while (after < end) {
    const page = await store.readAll({ fromPosition: after, limit: options.pageSize ?? 1_000 });
    if (page.length === 0) break;
    for (const event of page) {
      if (event.position > end) break;
      if ((options.from && event.recordedAt < options.from) || (options.to && event.recordedAt >= options.to)) continue;
      if (!whole) verifier.startAt(event.streamId, event.revision, event.prevHash);
      if (!verifier.push(event)) return verifier.report([]);
      verified += 1;
    }
    after = page.at(-1)!.position;
    options.onProgress?.({ verified, position: after < end ? after : end, end });
  }
  if (whole) for (const head of heads) if (!verifier.expectHead(head.streamId, head, 'head')) break;
  return verifier.report(whole ? ['head'] : []);
}
