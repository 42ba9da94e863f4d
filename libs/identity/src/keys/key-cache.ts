import { createPublicKey, hash, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { KeyRecord, SigningAlgorithm } from '../federation';
import { keyMismatch, signatureCheck, type SignatureCheck } from './algorithms';

/** Members that only a private (or symmetric) JWK has: their presence means the wrong thing was registered. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** RFC 7638 required members per key type, already in the lexicographic order the thumbprint needs. */
const THUMBPRINT_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
};

/** Thumbprints computed before, per JWK object, with the member values they were computed from. */
const thumbprints = new WeakMap<JsonWebKey, { values: readonly string[]; thumbprint: string }>();

/**
 * RFC 7638 JWK thumbprint (SHA-256, base64url): identifies the key material itself, whatever
 * else the JWK carries. Undefined for a key type we do not sign with or a missing member.
 *
 * Verifiers ask for the thumbprint of the same registered JWK on every token, so it is kept per
 * object — but object identity only finds the earlier answer: it is reused when every member it
 * was computed from still holds the same value, which is exactly when the hash would come out the
 * same. A JWK changed in place is hashed again.
 */
export function jwkThumbprint(jwk: JsonWebKey): string | undefined {
  const members = typeof jwk.kty === 'string' ? THUMBPRINT_MEMBERS[jwk.kty] : undefined;
  if (!members) return undefined;
  const values: string[] = [];
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string') return undefined;
    values.push(value);
  }
  const known = thumbprints.get(jwk);
  if (known && known.values.length === values.length && known.values.every((value, i) => value === values[i])) return known.thumbprint;
  const required = Object.fromEntries(members.map((name, i) => [name, values[i]]));
  const thumbprint = hash('sha256', JSON.stringify(required), 'base64url');
  thumbprints.set(jwk, { values, thumbprint });
  return thumbprint;
}

export type PublicKeyInspection =
  | {
      ok: true;
      key: KeyObject;
      thumbprint: string;
      /** The signature check for the record's algorithm on this key. */
      check: SignatureCheck;
    }
  | { ok: false; reason: string };

/**
 * Checks that `jwk` is a public key usable for `alg` and imports it. The registry can call this
 * when a key is registered, so a bad key is refused at the door rather than at first use.
 */
export function inspectPublicJwk(alg: SigningAlgorithm, jwk: JsonWebKey): PublicKeyInspection {
  const thumbprint = jwkThumbprint(jwk);
  if (thumbprint === undefined) return { ok: false, reason: 'not an EC, OKP or RSA public JWK with all its members' };
  return importChecked(alg, jwk, thumbprint);
}

function importChecked(alg: SigningAlgorithm, jwk: JsonWebKey, thumbprint: string): PublicKeyInspection {
  const privateMember = PRIVATE_MEMBERS.find((name) => jwk[name] !== undefined);
  if (privateMember) return { ok: false, reason: `the JWK holds private member "${privateMember}"; register the public key only` };
  if (jwk.alg !== undefined && jwk.alg !== alg) return { ok: false, reason: `the JWK says alg ${String(jwk.alg)}, the record ${alg}` };
  if (jwk.use !== undefined && jwk.use !== 'sig') return { ok: false, reason: 'the JWK is not for signatures (use)' };
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify'))) return { ok: false, reason: 'the JWK key_ops exclude verify' };
  let key: KeyObject;
  try {
    key = createPublicKey({ key: jwk, format: 'jwk' });
  } catch (error) {
    return { ok: false, reason: `the JWK does not import: ${(error as Error).message}` };
  }
  const mismatch = keyMismatch(alg, key);
  return mismatch ? { ok: false, reason: mismatch } : { ok: true, key, thumbprint, check: signatureCheck(alg, key) };
}

/**
 * Imports each registered public key ONCE. Parsing a JWK costs more than an ECDSA verify on
 * OpenSSL 3, so verifiers never parse per call.
 *
 * Entries are keyed by organization, kid, alg and the key's RFC 7638 thumbprint: a kid reused
 * for new key material, or the same material registered elsewhere, never reaches an old import.
 * The thumbprint is taken per lookup from the JWK's members as they are then (jwkThumbprint), so
 * what the registry hands over is never trusted by object identity alone.
 */
export class KeyCache {
  private readonly entries = new Map<string, PublicKeyInspection>();
  /** The last answer per record object, with what it was for: found without building the entry's key. */
  private readonly byRecord = new WeakMap<KeyRecord, { organizationId: string; kid: string; alg: string; thumbprint: string; inspection: PublicKeyInspection }>();
  private importCount = 0;

  /** `maxEntries` bounds memory if keys churn; a federation holds a few hundred keys. */
  constructor(private readonly maxEntries = 10_000) {}

  /** The imported key, or why this record cannot be used (the reason is operator-facing). */
  publicKey(organizationId: string, record: KeyRecord): PublicKeyInspection {
    const thumbprint = jwkThumbprint(record.jwk);
    if (thumbprint === undefined) return { ok: false, reason: 'not an EC, OKP or RSA public JWK with all its members' };
    const last = this.byRecord.get(record);
    if (last && last.organizationId === organizationId && last.kid === record.kid && last.alg === record.alg && last.thumbprint === thumbprint) return last.inspection;
    const inspection = this.lookup(organizationId, record, thumbprint);
    this.byRecord.set(record, { organizationId, kid: record.kid, alg: record.alg, thumbprint, inspection });
    return inspection;
  }

  private lookup(organizationId: string, record: KeyRecord, thumbprint: string): PublicKeyInspection {
    const cacheKey = `${organizationId}\n${record.kid}\n${record.alg}\n${thumbprint}`;
    const cached = this.entries.get(cacheKey);
    if (cached) return cached;
    // Failures are cached too: a broken registration must not cost an import attempt per request.
    const inspection = importChecked(record.alg, record.jwk, thumbprint);
    this.importCount += 1;
    if (this.entries.size >= this.maxEntries) {
      // Map iterates in insertion order: drop the oldest import.
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(cacheKey, inspection);
    return inspection;
  }

  /** How many imports were performed (for tests and metrics). */
  get imports(): number {
    return this.importCount;
  }

  get size(): number {
    return this.entries.size;
  }
}
