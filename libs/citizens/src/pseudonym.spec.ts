import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { pseudonymOf } from './pseudonym';

describe('pairwise pseudonyms', () => {
  const secret = fc.uint8Array({ minLength: 32, maxLength: 32 });
  const citizen = fc.string({ minLength: 1, maxLength: 60 });

  it('are stable for one organization: the same citizen always gets the same pseudonym', () => {
    fc.assert(fc.property(secret, citizen, (s, c) => pseudonymOf(s, c) === pseudonymOf(Uint8Array.from(s), c)));
  });

  it('differ across organizations: one citizen under two organizations’ secrets gets two pseudonyms', () => {
    fc.assert(
      fc.property(secret, secret, citizen, (a, b, c) => {
        fc.pre(Buffer.compare(Buffer.from(a), Buffer.from(b)) !== 0);
        return pseudonymOf(a, c) !== pseudonymOf(b, c);
      }),
    );
  });

  it('differ across citizens for one organization, and fit the schemas’ pseudonym pattern', () => {
    fc.assert(
      fc.property(secret, citizen, citizen, (s, c1, c2) => {
        fc.pre(c1 !== c2);
        return pseudonymOf(s, c1) !== pseudonymOf(s, c2);
      }),
    );
    expect(pseudonymOf(randomBytes(32), 'hc-1')).toMatch(/^ps-[A-Za-z0-9_-]{43}$/);
  });
});
