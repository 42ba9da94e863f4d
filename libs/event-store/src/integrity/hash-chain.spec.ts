import type { RecordedEvent } from '../event-store.port';
import { GENESIS_HASH, chainHash, verifyChain } from './hash-chain';

describe('verifyChain', () => {
  const stream = (n: number): RecordedEvent[] => {
    const events: RecordedEvent[] = [];
    let prevHash = GENESIS_HASH;
    for (let i = 0; i < n; i++) {
      const data = { i };
      const hash = chainHash(prevHash, data, {});
      events.push({ streamId: 's', id: `e${i}`, type: 'T', data, metadata: {}, revision: BigInt(i), position: BigInt(10 + i), prevHash, hash, recordedAt: new Date(0) });
      prevHash = hash;
    }
    return events;
  };

  it('accepts an intact stream and an empty one', () => {
    expect(verifyChain(stream(3))).toEqual({ ok: true });
    expect(verifyChain([])).toEqual({ ok: true });
  });

  it('reports a first event that does not start from the genesis hash as modified', () => {
    const [first, ...rest] = stream(3);
    const forged = { ...first!, prevHash: '1'.repeat(64) };
    forged.hash = chainHash(forged.prevHash, forged.data, forged.metadata);

    expect(verifyChain([forged, ...rest])).toEqual({ ok: false, revision: 0n, kind: 'modified' });
  });

  it('reports an event that appears twice as reordered, where it displaces the next one', () => {
    const [e0, e1, e2] = stream(3);

    expect(verifyChain([e0!, e1!, e1!, e2!])).toEqual({ ok: false, revision: 2n, kind: 'reordered' });
  });

  it('reports an empty list against a recorded head as missing its first event', () => {
    expect(verifyChain([], { head: { revision: 0n, hash: 'x' } })).toEqual({ ok: false, revision: 0n, kind: 'missing' });
  });
});
