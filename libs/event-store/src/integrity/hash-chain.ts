import { chainHash, GENESIS_HASH } from '@passerelle/hash-chain';
import type { RecordedEvent } from '../event-store.port';

export { canonicalJson, chainHash, GENESIS_HASH, linkHash } from '@passerelle/hash-chain';

export type ChainVerdict = { ok: true } | { ok: false; revision: bigint; kind: 'modified' | 'reordered' | 'missing' };

export interface VerifyChainOptions {
  /**
   * Where `events` start: revision 0 after the genesis hash unless told otherwise, so a
   * missing first event is caught. To check a slice, pass the revision it starts at and the
   * hash of the event before it, from a source you trust.
   */
  from?: { revision: bigint; prevHash: string };
  /**
   * The stream head as recorded elsewhere (the store's head table, a signed checkpoint).
   * Without it, events cut off the end of a stream cannot be noticed, and an attacker who
   * rewrites an event and every hash after it cannot be told from the truth.
   */
  head?: { revision: bigint; hash: string };
}

/**
 * Checks one stream's events, in the order read, for an auditor. Reports the lowest revision
 * where the chain breaks:
 * - `modified`: an event's content no longer matches its hash, or its hash was recomputed so
 *   that the next event no longer points to it;
 * - `reordered`: the event expected at this revision is found later in the list;
 * - `missing`: the event expected at this revision is absent.
 */
export function verifyChain(events: readonly RecordedEvent[], options: VerifyChainOptions = {}): ChainVerdict {
  const start = options.from ?? { revision: 0n, prevHash: GENESIS_HASH };
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    const expectedRevision = start.revision + BigInt(i);
    const expectedPrevHash = i === 0 ? start.prevHash : events[i - 1]!.hash;
    // Only consulted once the chain is already broken, so an intact chain is checked in one pass.
    const later = (match: (e: RecordedEvent) => boolean) => events.some((e, j) => j > i && match(e));

    if (event.revision !== expectedRevision) {
      if (later((e) => e.revision === expectedRevision)) return broken(expectedRevision, 'reordered');
      if (event.revision > expectedRevision) return broken(expectedRevision, 'missing');
      return broken(event.revision, 'reordered');
    }
    if (chainHash(event.prevHash, event.data, event.metadata) !== event.hash) return broken(event.revision, 'modified');
    if (event.prevHash !== expectedPrevHash) {
      if (later((e) => e.prevHash === expectedPrevHash)) return broken(event.revision, 'reordered');
      // This event does not follow its predecessor, whose successor is nowhere: the
      // predecessor was rewritten (hash recomputed), or this event's own link was.
      return broken(i === 0 ? event.revision : events[i - 1]!.revision, 'modified');
    }
  }
  if (options.head) {
    const last = events.at(-1);
    const lastRevision = last?.revision ?? start.revision - 1n;
    if (lastRevision < options.head.revision) return broken(lastRevision + 1n, 'missing');
    if (last && (last.revision !== options.head.revision || last.hash !== options.head.hash)) return broken(last.revision, 'modified');
  }
  return { ok: true };
}

function broken(revision: bigint, kind: 'modified' | 'reordered' | 'missing'): ChainVerdict {
  return { ok: false, revision, kind };
}
