import fc from 'fast-check';
import { UnsecuredJWT } from 'jose';
import { IdentityError } from '../errors';
import { seconds, T0 } from '../spec-fixtures';
import { checkClaims, type ClaimRules } from './claim-rules';
import { joseClaimOptions, tokenErrorFromJose } from './jose-claims';

const RULES: ClaimRules = { issuers: ['https://idp.qc.ramq.example/', 'urn:qc.ramq'], audience: 'urn:passerelle:hub', maxTokenAgeSeconds: 3600, clockToleranceSeconds: 30 };
const TYP = 'at+jwt';
const NOW = seconds(T0);

/** The answer a user gets: no error, or an error's code and message. */
type Outcome = { ok: true } | { ok: false; code: string; message: string };

function outcome(check: () => void): Outcome {
  try {
    check();
    return { ok: true };
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    return { ok: false, code: error.code, message: error.message };
  }
}

/** The claims checked by jose, with the options the verifier gives jose for a remote key. */
function byJose(claims: Record<string, unknown>, now: Date): Outcome {
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: TYP })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return outcome(() => {
    try {
      UnsecuredJWT.decode(`${header}.${payload}.`, joseClaimOptions(RULES, TYP, now));
    } catch (error) {
      throw tokenErrorFromJose(error, 'registered');
    }
  });
}

/**
 * A claim set is mostly right, so that most runs get as far as the time rules: each claim is
 * usually present and well-formed, sometimes absent, sometimes of another value or type. Time
 * claims are offsets from the moment of the check, around every boundary the rules draw
 * (tolerance, expiry, maximum age), turned into NumericDates in the property.
 */
const offset = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(-3700, -3631, -3630, -3629, -3600, -600, -31, -30, -29, -1, 0, 1, 29, 30, 31, 120, 600, 86_400) },
  { weight: 2, arbitrary: fc.integer({ min: -5000, max: 5000 }) },
  { weight: 1, arbitrary: fc.double({ min: -100, max: 100, noNaN: true }) },
);
const oddTime = fc.constantFrom('1767225600', null, true, [0], {});
const usually = <T, U>(right: fc.Arbitrary<T>, wrong: fc.Arbitrary<U>) =>
  fc.option(fc.oneof({ weight: 6, arbitrary: right }, { weight: 1, arbitrary: wrong }), { freq: 12, nil: undefined });
const claimSets = fc.record({
  iss: usually(fc.constantFrom(...RULES.issuers), fc.constantFrom('https://idp.qc.saaq.example/', '', 'URN:QC.RAMQ', null, 7, [RULES.issuers[0]])),
  aud: usually(
    fc.constantFrom(RULES.audience, [RULES.audience, 'urn:other:service'], ['urn:other:service', RULES.audience]),
    fc.oneof(fc.constantFrom('urn:other:service', 'URN:PASSERELLE:HUB', '', null, 1, { aud: RULES.audience }), fc.array(fc.constantFrom('urn:other:service', 3, null), { maxLength: 2 })),
  ),
  sub: usually(fc.constant('agent-7'), fc.constantFrom('', null, 42)),
  iat: usually(offset, oddTime),
  nbf: fc.option(usually(offset, oddTime), { freq: 2, nil: undefined }),
  exp: usually(offset, oddTime),
});

/** Offsets → NumericDates at `now`; absent claims dropped (JSON has no undefined). */
function at(generated: Record<string, unknown>, nowSeconds: number): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(generated)) {
    if (value === undefined) continue;
    claims[name] = ['iat', 'nbf', 'exp'].includes(name) && typeof value === 'number' ? nowSeconds + value : value;
  }
  return claims;
}

describe('checkClaims', () => {
  it('gives the answer jose gives, error for error, on generated claim sets around every boundary', () => {
    fc.assert(
      fc.property(claimSets, fc.integer({ min: 0, max: 999 }), (generated, milliseconds) => {
        const now = new Date(T0.getTime() + milliseconds);
        const claims = at(generated, NOW);
        expect(outcome(() => checkClaims(claims, RULES, now))).toEqual(byJose(claims, now));
      }),
      { numRuns: 5000 },
    );
  });

  it('passes a well-formed token, and names the rule a broken one breaks', () => {
    const good = { iss: RULES.issuers[0], aud: [RULES.audience, 'urn:other'], sub: 'agent-7', iat: NOW - 10, exp: NOW + 600 };
    const check = (claims: Record<string, unknown>) => outcome(() => checkClaims(claims, RULES, T0));
    expect(check(good)).toEqual({ ok: true });
    const { iss: _iss, ...withoutIss } = good;
    expect(check(withoutIss)).toMatchObject({ code: 'TOKEN.CLAIM_MISSING', message: 'the token has no "iss" claim' });
    expect(check({ ...good, exp: NOW - 31 })).toMatchObject({ code: 'TOKEN.EXPIRED' });
    expect(check({ ...good, exp: NOW - 30 })).toMatchObject({ code: 'TOKEN.EXPIRED' });
    expect(check({ ...good, exp: NOW - 29 })).toEqual({ ok: true });
    expect(check({ ...good, iat: NOW - 3631 })).toMatchObject({ code: 'TOKEN.TOO_OLD' });
    expect(check({ ...good, iat: NOW + 31 })).toMatchObject({ code: 'TOKEN.ISSUED_IN_FUTURE' });
    expect(check({ ...good, nbf: NOW + 31 })).toMatchObject({ code: 'TOKEN.NOT_YET_VALID' });
    expect(check({ ...good, iat: String(NOW) })).toMatchObject({ code: 'TOKEN.CLAIM_INVALID', message: 'the "iat" claim is not a number' });
    expect(check({ ...good, aud: 'urn:other' })).toMatchObject({ code: 'TOKEN.AUDIENCE_MISMATCH' });
  });
});
