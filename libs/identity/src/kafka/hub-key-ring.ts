import { generateKeyPairSync, randomUUID, type JsonWebKey } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { importJWK, SignJWT } from 'jose';

/**
 * The hub's Kafka token issuer: the key ring whose newest key signs the access tokens the
 * broker accepts, and whose public half (a JWKS file beside it) the broker verifies them
 * with. The file format is shared with deploy/kafka/kafka.mjs, which makes the first ring:
 *
 *   { "issuer": "urn:passerelle:hub", "audience": "urn:passerelle:kafka",
 *     "keys": [{ "kid", "alg": "ES256", "privateJwk", "publicJwk", "createdAt", "retiredAt"? }] }
 *
 * Rotation adds a key and retires the previous one; a retired key stays in the JWKS until
 * every token it signed has expired (`maxTokenLifetimeSeconds` plus the clock tolerance), so
 * a live connection's next re-authentication, or a token fetched just before the rotation,
 * never meets an unknown key. The JWKS is written before the ring, so the broker knows a
 * key before anything is signed with it. One writer (the federation) rotates; every other
 * process re-reads the ring when the file changes.
 */
export interface HubKeyEntry {
  kid: string;
  alg: 'ES256';
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
  createdAt: string;
  retiredAt?: string;
}

export interface HubKeyRingFile {
  issuer: string;
  audience: string;
  keys: HubKeyEntry[];
}

export interface HubToken {
  value: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  jti: string;
  kid: string;
}

export class HubKeyRingError extends Error {
  readonly code = 'KAFKA.KEY_RING_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'HubKeyRingError';
  }
}

const CLOCK_TOLERANCE_SECONDS = 30;

export class HubKeyRing {
  private ring: HubKeyRingFile;
  private mtimeMs: number;

  private constructor(
    readonly file: string,
    private readonly maxTokenLifetimeSeconds: number,
    private readonly clock: () => Date,
  ) {
    [this.ring, this.mtimeMs] = read(file);
  }

  /** Opens an existing ring; a missing or malformed file is a HubKeyRingError naming it. */
  static open(file: string, options: { maxTokenLifetimeSeconds?: number; clock?: () => Date } = {}): HubKeyRing {
    return new HubKeyRing(file, options.maxTokenLifetimeSeconds ?? 3600, options.clock ?? (() => new Date()));
  }

  /** Makes a new ring with one key (and its JWKS file), as deploy/kafka does on first start. */
  static create(file: string, options: { issuer?: string; audience?: string; maxTokenLifetimeSeconds?: number; clock?: () => Date } = {}): HubKeyRing {
    const clock = options.clock ?? (() => new Date());
    const ring: HubKeyRingFile = { issuer: options.issuer ?? 'urn:passerelle:hub', audience: options.audience ?? 'urn:passerelle:kafka', keys: [newKey(clock())] };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeAtomically(jwksFileOf(file), JSON.stringify(publicJwks(ring, clock(), options.maxTokenLifetimeSeconds ?? 3600), null, 2), 0o644);
    writeAtomically(file, JSON.stringify(ring, null, 2), 0o600);
    return HubKeyRing.open(file, options);
  }

  get issuer(): string {
    return this.current().issuer;
  }

  get audience(): string {
    return this.current().audience;
  }

  /** The JWKS file the broker reads, beside the ring. */
  get jwksFile(): string {
    return jwksFileOf(this.file);
  }

  /** The newest key that is not retired. */
  signingKey(): HubKeyEntry {
    const key = this.current().keys.filter((k) => !k.retiredAt).at(-1);
    if (!key) throw new HubKeyRingError(`${this.file} has no key that is not retired: rotate to make one`);
    return key;
  }

  /** What a verifier needs: every key that may still have live tokens. */
  jwks(): { keys: JsonWebKey[] } {
    return publicJwks(this.current(), this.clock(), this.maxTokenLifetimeSeconds);
  }

  /** An access token for `subject` (a Kafka principal), signed with the newest key. */
  async mint(subject: string, ttlSeconds: number, claims: Record<string, unknown> = {}): Promise<HubToken> {
    if (ttlSeconds < 1 || ttlSeconds > this.maxTokenLifetimeSeconds) {
      throw new HubKeyRingError(`a Kafka token lives from 1 to ${this.maxTokenLifetimeSeconds} s, not ${ttlSeconds}`);
    }
    const ring = this.current();
    const key = this.signingKey();
    const now = this.clock().getTime();
    const jti = randomUUID();
    const expiresAt = Math.floor(now / 1000) * 1000 + ttlSeconds * 1000;
    const value = await new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
      .setIssuer(ring.issuer)
      .setAudience(ring.audience)
      .setSubject(subject)
      .setIssuedAt(Math.floor(now / 1000))
      .setExpirationTime(expiresAt / 1000)
      .setJti(jti)
      .sign(await importJWK(key.privateJwk, key.alg));
    return { value, expiresAt, jti, kid: key.kid };
  }

  /**
   * Adds a key and retires the previous one; drops keys retired longer ago than any token
   * they signed can live. Writes the JWKS first: the broker must know the new key before
   * the first token signed with it reaches it.
   */
  rotate(): { kid: string; retired: string[]; dropped: string[] } {
    const ring = this.current();
    const now = this.clock();
    const retired: string[] = [];
    for (const key of ring.keys) {
      if (!key.retiredAt) {
        key.retiredAt = now.toISOString();
        retired.push(key.kid);
      }
    }
    const fresh = newKey(now);
    const kept = ring.keys.filter((k) => stillPublished(k, now, this.maxTokenLifetimeSeconds));
    const dropped = ring.keys.filter((k) => !kept.includes(k)).map((k) => k.kid);
    const next: HubKeyRingFile = { ...ring, keys: [...kept, fresh] };
    writeAtomically(this.jwksFile, JSON.stringify(publicJwks(next, now, this.maxTokenLifetimeSeconds), null, 2), 0o644);
    writeAtomically(this.file, JSON.stringify(next, null, 2), 0o600);
    [this.ring, this.mtimeMs] = read(this.file);
    return { kid: fresh.kid, retired, dropped };
  }

  /** Rewrites the JWKS without keys whose every token has expired (e.g. at start-up). */
  republish(): void {
    writeAtomically(this.jwksFile, JSON.stringify(this.jwks(), null, 2), 0o644);
  }

  /** The ring as on disk: re-read when another process (the rotating one) changed it. */
  private current(): HubKeyRingFile {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.file).mtimeMs;
    } catch {
      return this.ring;
    }
    if (mtimeMs !== this.mtimeMs) [this.ring, this.mtimeMs] = read(this.file);
    return this.ring;
  }
}

function jwksFileOf(file: string): string {
  return join(dirname(file), 'jwks.json');
}

function newKey(now: Date): HubKeyEntry {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    kid: `hub-${now.toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`,
    alg: 'ES256',
    privateJwk: privateKey.export({ format: 'jwk' }),
    publicJwk: publicKey.export({ format: 'jwk' }),
    createdAt: now.toISOString(),
  };
}

function stillPublished(key: HubKeyEntry, now: Date, maxTokenLifetimeSeconds: number): boolean {
  if (!key.retiredAt) return true;
  return Date.parse(key.retiredAt) + (maxTokenLifetimeSeconds + CLOCK_TOLERANCE_SECONDS) * 1000 > now.getTime();
}

function publicJwks(ring: HubKeyRingFile, now: Date, maxTokenLifetimeSeconds: number): { keys: JsonWebKey[] } {
  return {
    keys: ring.keys.filter((k) => stillPublished(k, now, maxTokenLifetimeSeconds)).map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })),
  };
}

function read(file: string): [HubKeyRingFile, number] {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new HubKeyRingError(`cannot read the hub's Kafka key ring ${file}: ${(err as Error).message} (deploy/kafka makes one on first start)`);
  }
  let ring: HubKeyRingFile;
  try {
    ring = JSON.parse(text) as HubKeyRingFile;
  } catch {
    throw new HubKeyRingError(`${file} is not JSON: not a hub key ring`);
  }
  if (typeof ring.issuer !== 'string' || typeof ring.audience !== 'string' || !Array.isArray(ring.keys) || ring.keys.length === 0) {
    throw new HubKeyRingError(`${file} has no issuer, audience or keys: not a hub key ring`);
  }
  for (const key of ring.keys) {
    if (key.alg !== 'ES256' || typeof key.kid !== 'string' || !key.privateJwk?.d || !key.publicJwk?.x) {
      throw new HubKeyRingError(`${file}: key ${String(key.kid)} is not an ES256 key pair`);
    }
  }
  return [ring, mtimeMs];
}

function writeAtomically(file: string, text: string, mode: number): void {
  const tmp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  writeFileSync(tmp, text, { mode });
  renameSync(tmp, file);
}
