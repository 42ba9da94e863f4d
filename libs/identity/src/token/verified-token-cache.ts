/**
 * Tokens already verified, keyed by the SHA-256 of the token, so a client presenting the same
 * token on every request pays for the signature once. Bounded and least-recently-used: a flood
 * of distinct tokens evicts old entries instead of growing memory.
 *
 * An entry only remembers that the SIGNATURE was good. Everything that can change afterwards
 * (clock, key state, directory) is checked again by the verifier on every hit.
 */
export interface VerifiedToken {
  organizationId: string;
  issuer: string;
  subject: string;
  /** The roles claim as signed; intersected with the organization's roles at each use. */
  claimedRoles: readonly string[];
  /** Seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  tokenId?: string;
  kid: string;
  key: { source: 'registered'; thumbprint: string } | { source: 'remote'; recheckAfterMs: number };
}

export class VerifiedTokenCache {
  private readonly entries = new Map<string, VerifiedToken>();

  constructor(private readonly maxEntries: number) {}

  get(digest: string): VerifiedToken | undefined {
    const entry = this.entries.get(digest);
    if (entry) {
      // Re-insert to mark as most recently used (Map keeps insertion order).
      this.entries.delete(digest);
      this.entries.set(digest, entry);
    }
    return entry;
  }

  set(digest: string, entry: VerifiedToken): void {
    this.entries.delete(digest);
    this.entries.set(digest, entry);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  delete(digest: string): void {
    this.entries.delete(digest);
  }

  get size(): number {
    return this.entries.size;
  }
}
