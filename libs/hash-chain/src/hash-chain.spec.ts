import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { GENESIS_HASH, chainHash } from './hash-chain';

describe('chainHash', () => {
  it('is SHA-256 over the previous hash and the JCS form of { data, metadata }', () => {
    const data = { zeta: 1, alpha: [1.5, 'é', null], nested: { b: true, a: 1e21 } };
    const metadata = { correlationId: 'c-1' };
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalize({ data, metadata }))
      .digest('hex');

    expect(chainHash(GENESIS_HASH, data, metadata)).toBe(expected);
    expect(canonicalize({ data, metadata })).toBe(
      '{"data":{"alpha":[1.5,"é",null],"nested":{"a":1e+21,"b":true},"zeta":1},"metadata":{"correlationId":"c-1"}}',
    );
  });

  it('does not depend on key order, and changes with any byte of content or link', () => {
    const base = chainHash(GENESIS_HASH, { a: 1, b: 2 }, {});

    expect(chainHash(GENESIS_HASH, { b: 2, a: 1 }, {})).toBe(base);
    expect(chainHash(GENESIS_HASH, { a: 1, b: 3 }, {})).not.toBe(base);
    expect(chainHash(GENESIS_HASH, { a: 1, b: 2 }, { by: 'x' })).not.toBe(base);
    expect(chainHash('1'.repeat(64), { a: 1, b: 2 }, {})).not.toBe(base);
  });
});
