import { IdentityError } from '../errors';

/**
 * What an access token's claims are held to once its signature is good (RFC 7519 §4.1, RFC 9068
 * §2.2). These are jose's claim checks with the options the verifier gives jose for a remote key
 * (issuer, audience, maxTokenAge, clockTolerance, requiredClaims, currentDate), in jose's order,
 * run on the claims the verifier has already decoded: going through jose again would decode the
 * payload a second time, and costs more than the rules themselves. claim-rules.spec.ts holds the
 * two to the same outcome, error for error, on generated claim sets.
 */
export interface ClaimRules {
  /** The issuers of the organization the token's key belongs to. */
  issuers: readonly string[];
  /** The `aud` every token must include. */
  audience: string;
  maxTokenAgeSeconds: number;
  clockToleranceSeconds: number;
}

/** Checked for presence first, in this order (jose's, for the options we give it). */
const REQUIRED_CLAIMS = ['iss', 'aud', 'iat', 'sub', 'exp'] as const;

/** Throws the IdentityError naming the first rule the claims break. */
export function checkClaims(claims: Readonly<Record<string, unknown>>, rules: ClaimRules, now: Date): void {
  for (const claim of REQUIRED_CLAIMS) if (!Object.hasOwn(claims, claim)) throw claimError(claim, 'missing');
  if (!rules.issuers.includes(claims.iss as string)) throw claimError('iss', 'mismatch');
  if (!hasAudience(claims.aud, rules.audience)) throw claimError('aud', 'mismatch');
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const tolerance = rules.clockToleranceSeconds;
  const iat = numericDate(claims, 'iat', true);
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && nbf > nowSeconds + tolerance) throw claimError('nbf', 'mismatch');
  const exp = numericDate(claims, 'exp');
  checkLifetime(exp, iat, nowSeconds, rules);
  if (nowSeconds - iat < -tolerance) throw claimError('iat', 'mismatch');
}

/**
 * The rules that a passing token can come to break as time goes on — expiry and maximum age —
 * for a token verified before and presented again (times in seconds since the epoch).
 */
export function checkLifetime(expiresAt: number | undefined, issuedAt: number | undefined, nowSeconds: number, rules: Pick<ClaimRules, 'maxTokenAgeSeconds' | 'clockToleranceSeconds'>): void {
  const tolerance = rules.clockToleranceSeconds;
  if (expiresAt !== undefined && expiresAt <= nowSeconds - tolerance) throw claimError('exp', 'expired');
  if (issuedAt !== undefined && nowSeconds - issuedAt - tolerance > rules.maxTokenAgeSeconds) throw claimError('iat', 'expired');
}

/**
 * How a claim fails, in jose's terms: absent, not of its type, past its time (exp, or iat beyond
 * the maximum age), or any other check. jose's errors are reported through here too
 * (jose-claims.ts), so a token gets the same answer whichever path checked it.
 */
export type ClaimFailure = 'missing' | 'invalid' | 'expired' | 'mismatch';

export function claimError(claim: string, failure: ClaimFailure, options?: ErrorOptions): IdentityError {
  switch (failure) {
    case 'missing':
      return new IdentityError('TOKEN.CLAIM_MISSING', `the token has no "${claim}" claim`, options);
    // jose says "invalid" only of a time claim that is not a number (e.g. a string iat).
    case 'invalid':
      return new IdentityError('TOKEN.CLAIM_INVALID', `the "${claim}" claim is not a number`, options);
    case 'expired':
      return claim === 'iat'
        ? new IdentityError('TOKEN.TOO_OLD', 'the token was issued longer ago than the maximum token age', options)
        : new IdentityError('TOKEN.EXPIRED', 'the token has expired', options);
    case 'mismatch':
      return mismatch(claim, options);
    default: {
      const unhandled: never = failure;
      throw new TypeError(`unhandled claim failure ${String(unhandled)}`);
    }
  }
}

function mismatch(claim: string, options: ErrorOptions | undefined): IdentityError {
  switch (claim) {
    case 'nbf':
      return new IdentityError('TOKEN.NOT_YET_VALID', 'the token is not valid yet (nbf)', options);
    case 'iat':
      return new IdentityError('TOKEN.ISSUED_IN_FUTURE', 'the token is issued in the future (iat)', options);
    case 'aud':
      return new IdentityError('TOKEN.AUDIENCE_MISMATCH', 'the token is not meant for this hub (aud)', options);
    case 'iss':
      return new IdentityError('TOKEN.ISSUER_MISMATCH', 'the token issuer is not one of its organization’s issuers', options);
    case 'typ':
      return new IdentityError('TOKEN.TYP_INVALID', 'the token typ is not the expected one', options);
    default:
      return new IdentityError('TOKEN.CLAIM_INVALID', `the "${claim}" claim is invalid`, options);
  }
}

/** RFC 7519 §4.1.3: a single audience string, or an array that includes ours. */
function hasAudience(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.includes(audience);
}

/** A time claim (NumericDate): undefined when absent and optional, a claim error when not a number. */
function numericDate(claims: Readonly<Record<string, unknown>>, claim: 'iat', required: true): number;
function numericDate(claims: Readonly<Record<string, unknown>>, claim: 'nbf' | 'exp'): number | undefined;
function numericDate(claims: Readonly<Record<string, unknown>>, claim: 'iat' | 'nbf' | 'exp', required = false): number | undefined {
  const value = claims[claim];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'number') throw claimError(claim, 'invalid');
  return value;
}
