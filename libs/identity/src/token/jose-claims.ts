import { errors, type JWTClaimVerificationOptions } from 'jose';
import { IdentityError } from '../errors';
import { claimError, type ClaimFailure, type ClaimRules } from './claim-rules';

/** jose requires these to be present (it checks presence only for names not covered by another option). */
const REQUIRED_CLAIMS = ['iss', 'aud', 'exp', 'iat', 'sub'];

/**
 * The claim rules as jose options, for a token jose verifies (a remote key's). Every option
 * explicit: jose checks none of iss, aud, typ, exp presence or age unless told.
 */
export function joseClaimOptions(rules: ClaimRules, typ: string, now: Date): JWTClaimVerificationOptions {
  return {
    issuer: [...rules.issuers],
    audience: rules.audience,
    typ,
    maxTokenAge: rules.maxTokenAgeSeconds,
    clockTolerance: rules.clockToleranceSeconds,
    requiredClaims: REQUIRED_CLAIMS,
    currentDate: now,
  };
}

/**
 * jose's verification errors in our vocabulary. `keySource` says whether a remote JWKS was
 * involved: only then can a network failure (a plain TypeError from fetch) happen, and only then
 * is it ours to translate. Anything else that is not a jose error is a bug and is rethrown.
 */
export function tokenErrorFromJose(error: unknown, keySource: 'registered' | 'remote'): IdentityError {
  if (!(error instanceof errors.JOSEError)) {
    if (keySource === 'remote') return new IdentityError('TOKEN.KEY_SET_UNAVAILABLE', `the organization's JWKS could not be fetched: ${(error as Error).message}`, { cause: error });
    throw error;
  }
  // The base class is only thrown by the remote set, for a non-200 answer or a body that is not JSON.
  if (error.code === 'ERR_JOSE_GENERIC') return new IdentityError('TOKEN.KEY_SET_UNAVAILABLE', `the organization's JWKS could not be fetched: ${error.message}`, { cause: error });
  const known = error as errors.AnyJOSEError;
  switch (known.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return new IdentityError('TOKEN.SIGNATURE_INVALID', 'the token signature does not verify', { cause: error });
    case 'ERR_JWT_EXPIRED':
      return claimError(known.claim, 'expired', { cause: error });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimError(known.claim, claimFailure(known.reason), { cause: error });
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return new IdentityError('TOKEN.ALG_NOT_ALLOWED', known.message, { cause: error });
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
    case 'ERR_JWK_INVALID':
      return new IdentityError('TOKEN.UNKNOWN_KEY', `the organization's JWKS has no single usable key for this kid (${known.message})`, { cause: error });
    case 'ERR_JWKS_TIMEOUT':
    case 'ERR_JWKS_INVALID':
      return new IdentityError('TOKEN.KEY_SET_UNAVAILABLE', `the organization's JWKS could not be used: ${known.message}`, { cause: error });
    // JWE errors cannot arise from jwtVerify; they are listed so that the switch stays exhaustive.
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JWE_INVALID':
    case 'ERR_JWE_DECRYPTION_FAILED':
      return new IdentityError('TOKEN.MALFORMED', known.message, { cause: error });
    default: {
      const unhandled: never = known;
      throw unhandled;
    }
  }
}

/** jose's reason for a failed claim: "missing", "invalid" (not of its type) or "check_failed". */
function claimFailure(reason: string): ClaimFailure {
  if (reason === 'missing') return 'missing';
  if (reason === 'invalid') return 'invalid';
  return 'mismatch';
}
