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
  const pageSize = options.pageSize ?? 1_000;
  let verified = 0;
  // The next page is read while this one is checked: the database works on its own core.
  let next = end > 0n ? store.readAll({ fromPosition: 0n, limit: pageSize }) : undefined;
  while (next) {
    const page = await next;
    const after = page.at(-1)?.position;
    next = after !== undefined && after < end ? store.readAll({ fromPosition: after, limit: pageSize }) : undefined;
    for (const event of page) {
      if (event.position > end) break;
      if ((options.from && event.recordedAt < options.from) || (options.to && event.recordedAt >= options.to)) continue;
      if (!whole) verifier.startAt(event.streamId, event.revision, event.prevHash);
      if (!verifier.push(event)) {
        // The read under way is of no use now, and its failure no one's concern.
        next?.catch(() => undefined);
        return verifier.report([]);
      }
      verified += 1;
    }
    if (after !== undefined) options.onProgress?.({ verified, position: after < end ? after : end, end });
  }
  if (whole) for (const head of heads) if (!verifier.expectHead(head.streamId, head, 'head')) break;
  return verifier.report(whole ? ['head'] : []);
}
