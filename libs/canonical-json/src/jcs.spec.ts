import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { jcs } from './jcs';

describe('jcs', () => {
  it('writes exactly what the canonicalize package writes, for any JSON value (generated, unicode keys and strings included)', () => {
    fc.assert(
      fc.property(fc.jsonValue({ depthSize: 'medium' }), fc.object({ key: fc.string({ unit: 'grapheme' }), values: [fc.string({ unit: 'binary' }), fc.double({ noNaN: true, noDefaultInfinity: true })] }), (value, other) => {
        expect(jcs(value)).toBe(canonicalize(value));
        expect(jcs(other)).toBe(canonicalize(other));
      }),
      { numRuns: 2_000 },
    );
  });

  it('sorts members by UTF-16 code units, integer-like names included, and drops undefined members', () => {
    expect(jcs({ b: 1, a: [undefined, 2], 10: 'x', 9: 'y', '€': 0, é: 0, '😀': 0, c: undefined })).toBe('{"10":"x","9":"y","a":[null,2],"b":1,"é":0,"€":0,"😀":0}');
    expect(jcs({ when: new Date('2026-12-01T00:00:00Z') })).toBe('{"when":"2026-12-01T00:00:00.000Z"}');
  });

  it('refuses what JSON cannot hold: NaN, Infinity and bigints', () => {
    expect(() => jcs({ n: Number.NaN })).toThrow(TypeError);
    expect(() => jcs([Number.POSITIVE_INFINITY])).toThrow(TypeError);
    expect(() => jcs({ n: 1n })).toThrow(TypeError);
  });
});
