import type { JsonWebKey } from 'node:crypto';

/**
 * What the identity core knows of the federation: member organizations, their roles and
 * their public keys with validity history. The registry owns this data; the verifiers read it
 * through {@link FederationDirectory} only.
 */

export const ROLES = ['publisher', 'subscriber', 'auditor', 'integrator', 'operator', 'single-window'] as const satisfies readonly string[];
export type Role = (typeof ROLES)[number];

/** JWS algorithms a member may register a key for (RFC 7518 names; EdDSA means Ed25519 here). */
export const SIGNING_ALGORITHMS = ['ES256', 'EdDSA', 'PS256', 'RS256'] as const satisfies readonly string[];
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isSigningAlgorithm(value: unknown): value is SigningAlgorithm {
  return typeof value === 'string' && (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** One public key of an organization, with its validity history. Times are ISO 8601 strings. */
export interface KeyRecord {
  kid: string;
  alg: SigningAlgorithm;
  /** Public members only; a JWK holding `d` is refused. */
  jwk: JsonWebKey;
  validFrom: string;
  /** Retired after this instant: no new signature or token. Signatures made before stay valid. */
  validUntil?: string;
  /** Compromised: nothing presented at or after this instant is valid. */
  revokedAt?: string;
}

export interface MemberOrganization {
  /** e.g. qc.ramq; events carry it as `urn:passerelle:org:<id>` */
  id: string;
  name: string;
  /** JWT `iss` values that map to this organization. */
  issuers: string[];
  /** What this organization may do; a token's `roles` claim is intersected with these. */
  roles: Role[];
  keys: KeyRecord[];
  /** Optional remote JWKS, consulted for TOKENS only, and only for kids not registered in `keys`. */
  jwksUri?: string;
}

/** What the verifiers need to know of the federation; the registry implements it. */
export interface FederationDirectory {
  organization(id: string): MemberOrganization | undefined;
  organizationByIssuer(iss: string): MemberOrganization | undefined;
  /** Every member, e.g. to know whose topics to consume. */
  organizations(): MemberOrganization[];
}

/** Injection token for the FederationDirectory port (the value carries no framework dependency). */
export const FEDERATION_DIRECTORY = Symbol('FederationDirectory');

/** A directory held in memory: for tests and embedded use. `replace` swaps the whole federation at once. */
export class InMemoryDirectory implements FederationDirectory {
  private byId = new Map<string, MemberOrganization>();
  private byIssuer = new Map<string, MemberOrganization>();

  constructor(orgs: MemberOrganization[]) {
    this.replace(orgs);
  }

  /**
   * Builds both indexes before swapping them in, so a reader never sees half a federation.
   * Two organizations claiming one issuer is refused: a token's `iss` must name exactly one member.
   */
  replace(orgs: MemberOrganization[]): void {
    const byId = new Map<string, MemberOrganization>();
    const byIssuer = new Map<string, MemberOrganization>();
    for (const org of orgs) {
      if (byId.has(org.id)) throw new RangeError(`organization ${org.id} is listed twice`);
      byId.set(org.id, org);
      for (const iss of org.issuers) {
        const other = byIssuer.get(iss);
        if (other) throw new RangeError(`issuer ${iss} is claimed by both ${other.id} and ${org.id}`);
        byIssuer.set(iss, org);
      }
    }
    this.byId = byId;
    this.byIssuer = byIssuer;
  }

  organization(id: string): MemberOrganization | undefined {
    return this.byId.get(id);
  }

  organizationByIssuer(iss: string): MemberOrganization | undefined {
    return this.byIssuer.get(iss);
  }

  organizations(): MemberOrganization[] {
    return [...this.byId.values()];
  }
}
