import { errors } from 'jose';
import { IdentityError } from '../errors';

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
      return known.claim === 'iat'
        ? new IdentityError('TOKEN.TOO_OLD', 'the token was issued longer ago than the maximum token age', { cause: error })
        : new IdentityError('TOKEN.EXPIRED', 'the token has expired', { cause: error });
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimFailure(known);
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

function claimFailure(error: errors.JWTClaimValidationFailed): IdentityError {
  const { claim, reason } = error;
  const options = { cause: error };
  if (reason === 'missing') return new IdentityError('TOKEN.CLAIM_MISSING', `the token has no "${claim}" claim`, options);
  // "invalid" is jose's word for a claim of the wrong type (e.g. a string iat).
  if (reason === 'invalid') return new IdentityError('TOKEN.CLAIM_INVALID', `the "${claim}" claim is not a number`, options);
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
