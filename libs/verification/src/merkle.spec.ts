import { inclusionProof, merkleRoot, verifyInclusion, type StreamHead } from './merkle';

const heads = (n: number): StreamHead[] => Array.from({ length: n }, (_, i) => ({ streamId: `case-${String(i).padStart(4, '0')}`, revision: String(i % 7), hash: String(i).padStart(64, 'a') }));

describe('Merkle tree over stream heads', () => {
  it.each([1, 2, 3, 5, 8, 13, 100])('proves every one of %i heads into the root, and nothing altered', (n) => {
    const all = heads(n);
    const root = merkleRoot([...all].reverse());
    expect(root).toBe(merkleRoot(all)); // the order given does not matter
    for (const head of all) {
      const { proof } = inclusionProof(all, head.streamId)!;
      expect(verifyInclusion(head, proof, root)).toBe(true);
      expect(verifyInclusion({ ...head, revision: String(Number(head.revision) + 1) }, proof, root)).toBe(false);
      expect(verifyInclusion({ ...head, hash: 'f'.repeat(64) }, proof, root)).toBe(false);
    }
  });

  it('has no proof for a stream it does not hold, and changes with any head', () => {
    const all = heads(10);
    expect(inclusionProof(all, 'case-9999')).toBeUndefined();
    expect(merkleRoot(all)).not.toBe(merkleRoot(all.slice(1)));
    expect(merkleRoot([{ ...all[0]!, hash: '0'.repeat(64) }, ...all.slice(1)])).not.toBe(merkleRoot(all));
  });
});
