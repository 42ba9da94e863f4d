import { createRemoteJWKSet, type RemoteJWKSet } from 'jose';
import type { MemberOrganization } from '../federation';
import type { TokenPolicy } from './token-policy';

export type RemoteKeySetLookup = { ok: true; keySet: RemoteJWKSet } | { ok: false; reason: string };

/**
 * One jose remote JWKS resolver per organization that publishes a `jwksUri`. jose keeps the
 * fetched set, refetches when it is older than the cache age, and refetches on an unknown kid
 * at most once per cooldown, so a flood of random kids cannot turn into a flood of fetches.
 *
 * A resolver only ever sees tokens whose `iss` named its organization, and jose selects the key
 * by the token's (already checked) kid and alg: one org's JWKS cannot vouch for another org.
 */
export class RemoteKeySets {
  private readonly sets = new Map<string, { uri: string; keySet: RemoteJWKSet }>();

  constructor(private readonly policy: TokenPolicy) {}

  forOrganization(org: MemberOrganization, jwksUri: string): RemoteKeySetLookup {
    const existing = this.sets.get(org.id);
    // The registry may change the URI: a new resolver then, so keys of the old URI are forgotten.
    if (existing?.uri === jwksUri) return { ok: true, keySet: existing.keySet };
    let url: URL;
    try {
      url = new URL(jwksUri);
    } catch {
      return { ok: false, reason: `the jwksUri of ${org.id} is not a URL` };
    }
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && this.policy.allowInsecureJwksUri);
    if (!secure) return { ok: false, reason: `the jwksUri of ${org.id} must use https` };
    const keySet = createRemoteJWKSet(url, {
      cooldownDuration: this.policy.jwksCooldownSeconds * 1000,
      cacheMaxAge: this.policy.jwksCacheMaxAgeSeconds * 1000,
      timeoutDuration: this.policy.jwksTimeoutMs,
    });
    this.sets.set(org.id, { uri: jwksUri, keySet });
    return { ok: true, keySet };
  }
}
