import { hash } from 'node:crypto';
import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { IdentityError, quote } from '../errors';
import { isRole, type FederationDirectory, type KeyRecord, type MemberOrganization, type Role } from '../federation';
import { decodeJsonObject, HeaderInspector, splitCompact, type CompactParts, type HeaderProblem } from '../jws-header';
import type { SignatureCheck } from '../keys/algorithms';
import { jwkThumbprint, KeyCache } from '../keys/key-cache';
import { keyStateAt, type KeyState } from '../keys/key-validity';
import { checkClaims, checkLifetime, type ClaimRules } from './claim-rules';
import { joseClaimOptions, tokenErrorFromJose } from './jose-claims';
import { RemoteKeySets } from './remote-key-sets';
import { resolveTokenPolicy, type TokenPolicy } from './token-policy';
import { VerifiedTokenCache, type VerifiedToken } from './verified-token-cache';

/** Who is calling, once the bearer token checks out. */
export interface VerifiedCaller {
  organization: MemberOrganization;
  subject: string;
  /** The token's `roles` claim intersected with the roles the organization is registered for. */
  roles: Role[];
  expiresAt: Date;
  issuedAt: Date;
  issuer: string;
  keyId: string;
  tokenId?: string;
}

export interface TokenVerifierStats {
  /** Tokens whose signature was checked. */
  verifications: number;
  /** Tokens served from the verified-token cache, with no crypto. */
  cacheHits: number;
  cacheSize: number;
}

/** Injection token for the TokenVerifier. */
export const TOKEN_VERIFIER = Symbol('TokenVerifier');

/** Room for "Bearer " and stray whitespace around a token at the size cap. */
const SCHEME_ALLOWANCE = 64;

/**
 * Verifies bearer tokens (RFC 9068 JWT access tokens) issued by member organizations.
 *
 * Order matters: everything that can be refused without crypto is refused first (size, shape,
 * header allow-lists, issuer, kid, key state), so a hostile token costs microseconds. Keys come
 * from the registry only, looked up within the organization its `iss` names; the token never
 * chooses where its key comes from.
 */
export class TokenVerifier {
  private readonly policy: TokenPolicy;
  private readonly headers: HeaderInspector;
  private readonly cache: VerifiedTokenCache;
  private readonly remote: RemoteKeySets;
  private verifications = 0;
  private cacheHits = 0;

  constructor(
    private readonly directory: FederationDirectory,
    policy?: Partial<TokenPolicy>,
    private readonly clock: () => Date = () => new Date(),
    private readonly keys: KeyCache = new KeyCache(),
  ) {
    this.policy = resolveTokenPolicy(policy);
    this.headers = new HeaderInspector({ algorithms: this.policy.algorithms, typ: this.policy.typ, typOptional: false });
    this.cache = new VerifiedTokenCache(this.policy.verifiedTokenCacheSize);
    this.remote = new RemoteKeySets(this.policy);
  }

  /** Verifies an `Authorization` header value or a bare token; throws IdentityError. */
  async verify(tokenOrHeader: string | undefined, requiredRole?: Role): Promise<VerifiedCaller> {
    const token = extractToken(tokenOrHeader, this.policy.maxTokenBytes);
    const now = this.clock();
    const digest = hash('sha256', token, 'base64url');
    // Only a remote key set makes the full path wait: a registered key is checked at once.
    const outcome = this.fromCache(digest, now) ?? this.verifyFully(token, digest, now);
    const known = outcome instanceof Promise ? await outcome : outcome;
    return callerOf(known.verified, known.organization, requiredRole);
  }

  get stats(): TokenVerifierStats {
    return { verifications: this.verifications, cacheHits: this.cacheHits, cacheSize: this.cache.size };
  }

  /**
   * A token verified before: its signature is not checked again, but everything that may have
   * changed since is. Undefined (and the entry dropped) when the directory no longer matches
   * what was verified, so the full path decides and reports.
   */
  private fromCache(digest: string, now: Date): Known | undefined {
    const verified = this.cache.get(digest);
    if (!verified) return undefined;
    const organization = this.directory.organizationByIssuer(verified.issuer);
    const key = organization?.id === verified.organizationId ? this.currentKey(organization, verified, now) : undefined;
    if (!organization || !key) {
      this.cache.delete(digest);
      return undefined;
    }
    try {
      if (key.source === 'registered') this.checkKey(organization, key.record, now, verified.issuedAt);
      checkLifetime(verified.expiresAt, verified.issuedAt, Math.floor(now.getTime() / 1000), this.policy);
    } catch (error) {
      this.cache.delete(digest);
      throw error;
    }
    this.cacheHits += 1;
    return { verified, organization };
  }

  /** The key that verified the token, if the directory still has the same one. */
  private currentKey(organization: MemberOrganization, verified: VerifiedToken, now: Date): { source: 'registered'; record: KeyRecord } | { source: 'remote' } | undefined {
    const key = verified.key;
    const record = organization.keys.find((candidate) => candidate.kid === verified.kid);
    switch (key.source) {
      case 'registered':
        // Same kid is not enough: the material under it must be the one that verified the signature.
        return record !== undefined && jwkThumbprint(record.jwk) === key.thumbprint ? { source: 'registered', record } : undefined;
      case 'remote':
        // A key removed from a remote JWKS is noticed within the JWKS cache age, as in jose itself;
        // a kid registered since then takes precedence, so the token is verified again.
        return now.getTime() < key.recheckAfterMs && record === undefined ? { source: 'remote' } : undefined;
      default: {
        const unhandled: never = key;
        throw new TypeError(`unhandled key source ${JSON.stringify(unhandled)}`);
      }
    }
  }

  private verifyFully(token: string, digest: string, now: Date): Known | Promise<Known> {
    const parts = splitCompact(token);
    if (!parts || parts.header === '' || parts.payload === '') throw new IdentityError('TOKEN.MALFORMED', 'the token is not a JWS of three base64url parts');
    const inspection = this.headers.inspect(parts.header);
    if (!inspection) throw new IdentityError('TOKEN.MALFORMED', 'the token header is not a JSON object');
    if (!inspection.ok) throw headerError(inspection.problem, this.policy);
    const { alg, kid } = inspection;

    // Unverified claims: read to find the key, checked once the signature has authenticated them.
    const claims = decodeJsonObject(parts.payload);
    if (!claims) throw new IdentityError('TOKEN.MALFORMED', 'the token claims are not a JSON object');
    const iss = claims.iss;
    if (iss === undefined) throw new IdentityError('TOKEN.CLAIM_MISSING', 'the token has no "iss" claim');
    if (typeof iss !== 'string') throw new IdentityError('TOKEN.CLAIM_INVALID', 'the "iss" claim is not a string');
    const organization = this.directory.organizationByIssuer(iss);
    if (!organization) throw new IdentityError('TOKEN.UNKNOWN_ISSUER', `issuer ${quote(iss)} is not a member of the federation`);

    const record = organization.keys.find((key) => key.kid === kid);
    if (record) {
      if (record.alg !== alg) {
        throw new IdentityError('TOKEN.ALG_NOT_ALLOWED', `key ${kid} of ${organization.id} is registered for ${record.alg}, the token says ${alg}`);
      }
      this.checkKey(organization, record, now, undefined);
      const imported = this.keys.publicKey(organization.id, record);
      if (!imported.ok) throw new IdentityError('TOKEN.UNKNOWN_KEY', `key ${kid} of ${organization.id} is not usable: ${imported.reason}`);
      const payload = this.verifyRegistered(parts, claims, imported.check, organization, now);
      const verified = verifiedFrom(payload, organization, iss, kid, { source: 'registered', thumbprint: imported.thumbprint });
      // A retired or revoked key cannot mint a new token: its iat must fall inside the key's validity too.
      this.checkKey(organization, record, now, verified.issuedAt);
      return this.remember(digest, verified, organization);
    }
    if (organization.jwksUri !== undefined) {
      const lookup = this.remote.forOrganization(organization, organization.jwksUri);
      if (!lookup.ok) throw new IdentityError('TOKEN.KEY_SET_UNAVAILABLE', lookup.reason);
      return this.verifyRemote(token, lookup.keySet, organization, now).then((payload) => {
        const keyRef = { source: 'remote', recheckAfterMs: now.getTime() + this.policy.jwksCacheMaxAgeSeconds * 1000 } as const;
        return this.remember(digest, verifiedFrom(payload, organization, iss, kid, keyRef), organization);
      });
    }
    throw new IdentityError('TOKEN.UNKNOWN_KEY', `key ${kid} is not a key of ${organization.id}`);
  }

  private remember(digest: string, verified: VerifiedToken, organization: MemberOrganization): Known {
    this.cache.set(digest, verified);
    return { verified, organization };
  }

  /** Key state now and, once the claims are authenticated, at the token's iat. */
  private checkKey(organization: MemberOrganization, record: KeyRecord, now: Date, issuedAt: number | undefined): void {
    assertUsable(keyStateAt(record, now), organization, record.kid, 'now');
    if (issuedAt === undefined) return;
    const iatMs = issuedAt * 1000;
    const atIat = keyStateAt(record, iatMs);
    // iat comes from the issuer's clock, and counts whole seconds: a token minted just after a
    // key's validFrom — in the same second, or a few seconds later by a clock running behind —
    // may read earlier. Its second began before validFrom; it may end after it.
    const withinSkew = atIat.kind === 'not-yet-valid' && Date.parse(atIat.validFrom) < iatMs + 1000 + this.policy.clockToleranceSeconds * 1000;
    if (!withinSkew) assertUsable(atIat, organization, record.kid, 'at iat');
  }

  /**
   * A registered key: the signature checked by node:crypto on the key imported once (jose would
   * go through an asynchronous WebCrypto call per token, several times the cost of the check
   * itself), then the claims already decoded, by the rules jose applies to a remote key's
   * (claim-rules.ts), reported in the same words.
   */
  private verifyRegistered(
    parts: CompactParts,
    claims: Record<string, unknown>,
    check: SignatureCheck,
    organization: MemberOrganization,
    now: Date,
  ): JWTPayload {
    this.verifications += 1;
    const input = Buffer.from(parts.signingInput, 'latin1');
    if (!check(input, Buffer.from(parts.signature, 'base64url'))) {
      throw new IdentityError('TOKEN.SIGNATURE_INVALID', 'the token signature does not verify');
    }
    checkClaims(claims, this.claimRules(organization), now);
    return claims;
  }

  /** A remote key: jose fetches the organization's JWKS, checks the signature, then the same claim rules. */
  private async verifyRemote(token: string, keySet: JWTVerifyGetKey, organization: MemberOrganization, now: Date): Promise<JWTPayload> {
    this.verifications += 1;
    try {
      const { payload } = await jwtVerify(token, keySet, { ...joseClaimOptions(this.claimRules(organization), this.policy.typ, now), algorithms: this.policy.algorithms });
      return payload;
    } catch (error) {
      throw tokenErrorFromJose(error, 'remote');
    }
  }

  private claimRules(organization: MemberOrganization): ClaimRules {
    return {
      issuers: organization.issuers,
      audience: this.policy.audience,
      maxTokenAgeSeconds: this.policy.maxTokenAgeSeconds,
      clockToleranceSeconds: this.policy.clockToleranceSeconds,
    };
  }
}

interface Known {
  verified: VerifiedToken;
  organization: MemberOrganization;
}

function extractToken(input: string | undefined, maxTokenBytes: number): string {
  if (input === undefined) throw new IdentityError('TOKEN.MISSING', 'no bearer token');
  // Length before anything else (even trim). A JWT is ASCII, so characters are bytes; a
  // non-ASCII value under the cap is refused by the base64url check at linear cost.
  if (input.length > maxTokenBytes + SCHEME_ALLOWANCE) throw tooLarge(maxTokenBytes);
  const value = input.trim();
  let token = value;
  const space = value.search(/\s/);
  if (space !== -1) {
    // RFC 7235: the scheme is case-insensitive. Only Bearer carries our tokens.
    if (value.slice(0, space).toLowerCase() !== 'bearer') throw new IdentityError('TOKEN.MALFORMED', 'the Authorization scheme must be Bearer');
    token = value.slice(space).trim();
  } else if (value.toLowerCase() === 'bearer') {
    token = '';
  }
  if (token === '') throw new IdentityError('TOKEN.MISSING', 'no bearer token');
  if (token.length > maxTokenBytes) throw tooLarge(maxTokenBytes);
  return token;
}

function tooLarge(maxTokenBytes: number): IdentityError {
  return new IdentityError('TOKEN.TOO_LARGE', `the token is over the ${maxTokenBytes}-byte limit`);
}

function headerError(problem: HeaderProblem, policy: TokenPolicy): IdentityError {
  switch (problem.kind) {
    case 'alg-not-allowed':
      return new IdentityError('TOKEN.ALG_NOT_ALLOWED', `alg ${quote(problem.alg)} is not allowed; allowed: ${policy.algorithms.join(', ')}`);
    case 'typ-invalid':
      return new IdentityError('TOKEN.TYP_INVALID', `typ ${quote(problem.typ)} is not ${policy.typ}`);
    case 'crit':
      return new IdentityError('TOKEN.CRIT_UNSUPPORTED', 'the token header has crit; no extension is supported');
    case 'key-reference':
      return new IdentityError('TOKEN.UNTRUSTED_KEY_REFERENCE', `the token header carries "${problem.parameter}"; keys come from the federation registry only`);
    // b64 is only meaningful with crit; without it, the header is not one we produce or accept.
    case 'unencoded-payload':
      return new IdentityError('TOKEN.MALFORMED', 'the token header has b64; JWTs use base64url payloads');
    case 'kid-invalid':
      return new IdentityError('TOKEN.MALFORMED', 'the token header needs a kid matching ^[A-Za-z0-9._-]{1,128}$');
    default: {
      const unhandled: never = problem;
      throw new TypeError(`unhandled header problem ${JSON.stringify(unhandled)}`);
    }
  }
}

function assertUsable(state: KeyState, organization: MemberOrganization, kid: string, when: 'now' | 'at iat'): void {
  const key = `key ${kid} of ${organization.id}`;
  switch (state.kind) {
    case 'valid':
      return;
    case 'revoked':
      throw new IdentityError('TOKEN.KEY_REVOKED', `${key} was revoked at ${state.revokedAt}`);
    case 'retired':
      throw new IdentityError('TOKEN.KEY_RETIRED', `${key} is retired since ${state.validUntil} (${when}); it signs no new token`);
    case 'not-yet-valid':
      throw new IdentityError('TOKEN.KEY_NOT_YET_VALID', `${key} is valid only from ${state.validFrom} (${when})`);
    default: {
      const unhandled: never = state;
      throw new TypeError(`unhandled key state ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Authenticated claims → what the cache keeps. jose has checked presence and numeric types of exp and iat. */
function verifiedFrom(payload: JWTPayload, organization: MemberOrganization, issuer: string, kid: string, key: VerifiedToken['key']): VerifiedToken {
  const { sub, iat, exp, jti, roles } = payload;
  if (typeof sub !== 'string' || sub === '') throw new IdentityError('TOKEN.CLAIM_INVALID', 'the "sub" claim is not a non-empty string');
  if (typeof iat !== 'number' || typeof exp !== 'number') throw new IdentityError('TOKEN.CLAIM_INVALID', 'the "iat" and "exp" claims must be numbers');
  if (jti !== undefined && typeof jti !== 'string') throw new IdentityError('TOKEN.CLAIM_INVALID', 'the "jti" claim is not a string');
  // No roles claim is a token with no role, not an error: a role check then says what is missing.
  if (roles !== undefined && !(Array.isArray(roles) && roles.every((role) => typeof role === 'string'))) {
    throw new IdentityError('TOKEN.CLAIM_INVALID', 'the "roles" claim is not an array of strings');
  }
  const verified: VerifiedToken = { organizationId: organization.id, issuer, subject: sub, claimedRoles: roles ?? [], issuedAt: iat, expiresAt: exp, kid, key };
  if (jti !== undefined) verified.tokenId = jti;
  return verified;
}

function callerOf(verified: VerifiedToken, organization: MemberOrganization, requiredRole: Role | undefined): VerifiedCaller {
  // Against the organization as the directory has it now: a role withdrawn by the operator is gone at once.
  const roles = organization.roles.filter((role, at, all) => all.indexOf(role) === at && isRole(role) && verified.claimedRoles.includes(role));
  if (requiredRole !== undefined && !roles.includes(requiredRole)) {
    const why = verified.claimedRoles.includes(requiredRole) ? `${organization.id} is not registered for it` : 'the token does not claim it';
    throw new IdentityError('TOKEN.ROLE_MISSING', `role ${requiredRole} is required (${why}); the caller has: ${roles.join(', ') || 'no role'}`);
  }
  const caller: VerifiedCaller = {
    organization,
    subject: verified.subject,
    roles,
    expiresAt: new Date(verified.expiresAt * 1000),
    issuedAt: new Date(verified.issuedAt * 1000),
    issuer: verified.issuer,
    keyId: verified.kid,
  };
  if (verified.tokenId !== undefined) caller.tokenId = verified.tokenId;
  return caller;
}
