import { chainHash } from '@passerelle/hash-chain';

/**
 * An event's own hash: undefined when it matches the event's content as recorded, or the
 * failure's message. (Its own module: verification threads load it and little else.)
 */
export function ownHashProblem(event: { revision: bigint | string; prevHash: string; hash: string; data: Record<string, unknown>; metadata: Record<string, unknown> }): string | undefined {
  if (chainHash(event.prevHash, event.data, event.metadata) === event.hash) return undefined;
  return `revision ${event.revision} does not match its own hash: its content was changed after it was recorded`;
}
