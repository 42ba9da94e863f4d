import { COMMIT_ATTRIBUTES, V2_COMMIT_ATTRIBUTES } from '@passerelle/contracts';
import { canonicalEventBytes, UNSIGNED_ATTRIBUTES } from './canonical-event';

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');

describe('canonicalEventBytes', () => {
  it('leaves out exactly the hub’s commit attributes, as @passerelle/contracts defines them, under envelope v3’s and v2’s names', () => {
    expect([...UNSIGNED_ATTRIBUTES]).toEqual([...COMMIT_ATTRIBUTES, ...Object.keys(V2_COMMIT_ATTRIBUTES)]);
    expect(text(canonicalEventBytes({ id: 'e1', caserevision: '1', logposition: '2', prevhash: 'p', hash: 'h' }))).toBe('{"id":"e1"}');
    expect(text(canonicalEventBytes({ id: 'e1', sequence: 1, position: 2, prevhash: 'p', hash: 'h' }))).toBe('{"id":"e1"}');
  });

  it('is RFC 8785: keys sorted by UTF-16 code units at every depth, no whitespace, ECMAScript number form', () => {
    const bytes = canonicalEventBytes({ b: [3, { z: 1, a: 1e21 }], a: 'é', '\u20ac': 1.0, '\r': 0.000001 });
    expect(text(bytes)).toBe('{"\\r":0.000001,"a":"é","b":[3,{"a":1e+21,"z":1}],"€":1}');
  });

  it('signs an attribute given as null like an absent one: null means unset in CloudEvents JSON', () => {
    expect(text(canonicalEventBytes({ id: 'e1', subject: null, data: { note: null } }))).toBe('{"data":{"note":null},"id":"e1"}');
    expect(text(canonicalEventBytes({ id: 'e1', data: null }))).toBe('{"data":null,"id":"e1"}');
  });

  it('does not depend on key order', () => {
    expect(canonicalEventBytes({ a: 1, b: { c: 2, d: 3 } })).toEqual(canonicalEventBytes({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('refuses what JSON cannot carry', () => {
    expect(() => canonicalEventBytes({ amount: Number.NaN })).toThrow();
  });
});
