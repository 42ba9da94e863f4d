import { isSigningAlgorithm, SIGNING_ALGORITHMS, type SigningAlgorithm } from '../federation';

export interface TokenPolicy {
  /** The `aud` every token must include. */
  audience: string;
  /** JWS algorithms accepted at all; a key is further limited to the one it is registered for. */
  algorithms: SigningAlgorithm[];
  /** Required `typ` header (RFC 9068 access tokens: at+jwt). */
  typ: string;
  /** Refuse a token whose `iat` is older than this, whatever its `exp` says. */
  maxTokenAgeSeconds: number;
  /** Allowed clock skew between issuer and hub, for exp, nbf and iat. */
  clockToleranceSeconds: number;
  /** Checked on the raw value before any decoding: rejecting a 2 MB token after parsing costs 15–25 ms of CPU. */
  maxTokenBytes: number;
  /** Remote JWKS: minimum time between two fetches triggered by an unknown kid. */
  jwksCooldownSeconds: number;
  /** Remote JWKS: how long fetched keys are used before being fetched again. */
  jwksCacheMaxAgeSeconds: number;
  /** Remote JWKS: HTTP timeout. */
  jwksTimeoutMs: number;
  /** Remote JWKS over plain http (tests only): keys fetched in clear text can be swapped in transit. */
  allowInsecureJwksUri: boolean;
  /** How many verified tokens are remembered so that a repeated token costs no crypto. */
  verifiedTokenCacheSize: number;
}

export const DEFAULT_TOKEN_POLICY: TokenPolicy = Object.freeze({
  audience: 'urn:passerelle:hub',
  algorithms: [...SIGNING_ALGORITHMS],
  typ: 'at+jwt',
  maxTokenAgeSeconds: 3600,
  clockToleranceSeconds: 30,
  maxTokenBytes: 16_384,
  jwksCooldownSeconds: 30,
  jwksCacheMaxAgeSeconds: 600,
  jwksTimeoutMs: 5000,
  allowInsecureJwksUri: false,
  verifiedTokenCacheSize: 10_000,
});

/** The defaults overridden by `overrides`, checked: a misconfiguration fails at start-up, not per request. */
export function resolveTokenPolicy(overrides: Partial<TokenPolicy> = {}): TokenPolicy {
  const policy: TokenPolicy = { ...DEFAULT_TOKEN_POLICY, ...overrides, algorithms: [...(overrides.algorithms ?? DEFAULT_TOKEN_POLICY.algorithms)] };
  if (policy.algorithms.length === 0 || !policy.algorithms.every(isSigningAlgorithm)) {
    throw new RangeError(`token policy: algorithms must be a non-empty subset of ${SIGNING_ALGORITHMS.join(', ')}`);
  }
  const positive = ['maxTokenAgeSeconds', 'maxTokenBytes', 'jwksTimeoutMs', 'verifiedTokenCacheSize'] as const;
  for (const name of positive) {
    if (!Number.isInteger(policy[name]) || policy[name] <= 0) throw new RangeError(`token policy: ${name} must be a positive integer`);
  }
  const nonNegative = ['clockToleranceSeconds', 'jwksCooldownSeconds', 'jwksCacheMaxAgeSeconds'] as const;
  for (const name of nonNegative) {
    if (!Number.isFinite(policy[name]) || policy[name] < 0) throw new RangeError(`token policy: ${name} must be a non-negative number`);
  }
  if (policy.audience === '' || policy.typ === '') throw new RangeError('token policy: audience and typ must not be empty');
  return policy;
}
