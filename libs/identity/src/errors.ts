/**
 * Every way an identity check can fail, with the HTTP status a caller gets. The table is
 * exhaustive by type: adding a code without its entry does not compile.
 */

interface ErrorEntry {
  status: 401 | 403;
  /** True only when trying again later may succeed with the same input. */
  retriable: boolean;
  meaning: string;
}

const entries = {
  'TOKEN.MISSING': { status: 401, retriable: false, meaning: 'no bearer token was presented' },
  'TOKEN.TOO_LARGE': { status: 401, retriable: false, meaning: 'the token is over the size cap; refused before any decoding' },
  'TOKEN.MALFORMED': { status: 401, retriable: false, meaning: 'not a Bearer JWS of three base64url parts with JSON header and claims, or kid missing or not ^[A-Za-z0-9._-]{1,128}$' },
  'TOKEN.ALG_NOT_ALLOWED': { status: 401, retriable: false, meaning: 'alg is not in the allow-list (none, HS256, …) or is not the algorithm the key is registered for' },
  'TOKEN.TYP_INVALID': { status: 401, retriable: false, meaning: 'typ header is not at+jwt' },
  'TOKEN.CRIT_UNSUPPORTED': { status: 401, retriable: false, meaning: 'the header has a crit parameter; no extension is understood' },
  'TOKEN.UNTRUSTED_KEY_REFERENCE': { status: 401, retriable: false, meaning: 'the header carries jku, x5u, x5c or jwk; keys come from the registry only' },
  'TOKEN.UNKNOWN_ISSUER': { status: 401, retriable: false, meaning: 'iss is not an issuer of any member organization' },
  'TOKEN.UNKNOWN_KEY': { status: 401, retriable: false, meaning: 'kid is not a usable key of the organization named by iss' },
  'TOKEN.KEY_SET_UNAVAILABLE': { status: 401, retriable: true, meaning: 'the organization’s remote JWKS could not be fetched' },
  'TOKEN.KEY_REVOKED': { status: 401, retriable: false, meaning: 'the signing key is revoked' },
  'TOKEN.KEY_RETIRED': { status: 401, retriable: false, meaning: 'the signing key is retired (past validUntil) now or at iat' },
  'TOKEN.KEY_NOT_YET_VALID': { status: 401, retriable: false, meaning: 'the signing key’s validFrom is after now or after iat' },
  'TOKEN.SIGNATURE_INVALID': { status: 401, retriable: false, meaning: 'the signature does not verify with the registered key' },
  'TOKEN.EXPIRED': { status: 401, retriable: false, meaning: 'exp is past (beyond the clock tolerance)' },
  'TOKEN.NOT_YET_VALID': { status: 401, retriable: false, meaning: 'nbf is in the future (beyond the clock tolerance)' },
  'TOKEN.ISSUED_IN_FUTURE': { status: 401, retriable: false, meaning: 'iat is in the future (beyond the clock tolerance)' },
  'TOKEN.TOO_OLD': { status: 401, retriable: false, meaning: 'iat is older than the maximum token age' },
  'TOKEN.CLAIM_MISSING': { status: 401, retriable: false, meaning: 'one of iss, aud, exp, iat, sub is missing' },
  'TOKEN.CLAIM_INVALID': { status: 401, retriable: false, meaning: 'a claim has the wrong type (e.g. roles not an array of strings, exp not a number)' },
  'TOKEN.AUDIENCE_MISMATCH': { status: 401, retriable: false, meaning: 'aud does not include the hub’s audience' },
  'TOKEN.ISSUER_MISMATCH': { status: 401, retriable: false, meaning: 'iss is not one of the resolved organization’s issuers' },
  'TOKEN.ROLE_MISSING': { status: 403, retriable: false, meaning: 'the caller is authenticated but lacks the role the operation needs' },
  'SIGNATURE.MISSING': { status: 401, retriable: false, meaning: 'the event carries no signature' },
  'SIGNATURE.MALFORMED': { status: 401, retriable: false, meaning: 'not <header>..<signature>, header not JSON, alg not allowed, kid unsafe, or jku/x5u/x5c/jwk/crit/b64 present' },
  'SIGNATURE.SOURCE_UNKNOWN': { status: 401, retriable: false, meaning: 'source is not urn:passerelle:org:<id> of a member' },
  'SIGNATURE.KEY_UNKNOWN': { status: 401, retriable: false, meaning: 'kid is not a usable key of the source organization (also: signed by another org)' },
  'SIGNATURE.KEY_REVOKED': { status: 401, retriable: false, meaning: 'the key was revoked at or before the verification instant' },
  'SIGNATURE.KEY_NOT_VALID_AT_TIME': { status: 401, retriable: false, meaning: 'the key was retired or not yet valid at the verification instant' },
  'SIGNATURE.INVALID': { status: 401, retriable: false, meaning: 'the signature does not match the envelope (tampered, wrong key, alg not the key’s)' },
} as const satisfies Record<string, ErrorEntry>;

export type IdentityErrorCode = keyof typeof entries;

/** The code → status table, for documentation and HTTP mapping. */
export const IDENTITY_ERRORS: { readonly [C in IdentityErrorCode]: Readonly<ErrorEntry> } = entries;

export const IDENTITY_ERROR_CODES = Object.keys(entries) as IdentityErrorCode[];

export class IdentityError extends Error {
  override readonly name = 'IdentityError';
  readonly status: 401 | 403;
  readonly retriable: boolean;

  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = IDENTITY_ERRORS[code].status;
    this.retriable = IDENTITY_ERRORS[code].retriable;
  }
}

/** Attacker-supplied text in a message: quoted, cut short, so an error never echoes a payload. */
export function quote(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}
