import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/**
 * A Merkle tree over the stream heads a checkpoint commits to, so one case can be proven part
 * of a signed checkpoint with a few hashes instead of every head. Leaves and nodes are hashed
 * with distinct prefixes (as RFC 6962 does), so a node can never pass for a leaf.
 */

/** One stream's head: its last revision and that event's chain hash. */
export interface StreamHead {
  streamId: string;
  /** Decimal, as bigints travel in JSON. */
  revision: string;
  hash: string;
}

/** A sibling on the path from a leaf to the root. */
export interface ProofStep {
  side: 'left' | 'right';
  hash: string;
}

const sha256 = (...parts: Array<Buffer | string>) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

export function leafHash(head: StreamHead): string {
  return sha256(Buffer.from([0]), canonicalize([head.streamId, head.revision, head.hash])!);
}

function nodeHash(left: string, right: string): string {
  return sha256(Buffer.from([1]), Buffer.from(left, 'hex'), Buffer.from(right, 'hex'));
}

/** The tree's levels, leaves first; a node without a sibling moves up as it is. */
function levels(leaves: string[]): string[][] {
  const out = [leaves];
  while (out.at(-1)!.length > 1) {
    const below = out.at(-1)!;
    const above: string[] = [];
    for (let i = 0; i < below.length; i += 2) above.push(i + 1 < below.length ? nodeHash(below[i]!, below[i + 1]!) : below[i]!);
    out.push(above);
  }
  return out;
}

/** Heads in the one order every party uses: by stream id. */
export function sortHeads(heads: readonly StreamHead[]): StreamHead[] {
  return [...heads].sort((a, b) => (a.streamId < b.streamId ? -1 : a.streamId > b.streamId ? 1 : 0));
}

/** The root over `heads` (sorted here); the hash of nothing for an empty log. */
export function merkleRoot(heads: readonly StreamHead[]): string {
  if (heads.length === 0) return sha256('');
  return levels(sortHeads(heads).map(leafHash)).at(-1)![0]!;
}

/** The path proving `streamId`'s head is in the tree over `heads`, or undefined when it is not. */
export function inclusionProof(heads: readonly StreamHead[], streamId: string): { head: StreamHead; proof: ProofStep[] } | undefined {
  const sorted = sortHeads(heads);
  let index = sorted.findIndex((h) => h.streamId === streamId);
  if (index < 0) return undefined;
  const head = sorted[index]!;
  const proof: ProofStep[] = [];
  for (const level of levels(sorted.map(leafHash)).slice(0, -1)) {
    const sibling = index % 2 === 0 ? index + 1 : index - 1;
    if (sibling < level.length) proof.push({ side: index % 2 === 0 ? 'right' : 'left', hash: level[sibling]! });
    index = Math.floor(index / 2);
  }
  return { head, proof };
}

/** Whether `proof` leads from `head` to `root`. */
export function verifyInclusion(head: StreamHead, proof: readonly ProofStep[], root: string): boolean {
  let hash = leafHash(head);
  for (const step of proof) hash = step.side === 'right' ? nodeHash(hash, step.hash) : nodeHash(step.hash, hash);
  return hash === root;
}
