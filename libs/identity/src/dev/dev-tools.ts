import { createPrivateKey, generateKeyPair, randomUUID, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { isRole, isSigningAlgorithm, SIGNING_ALGORITHMS, type Role, type SigningAlgorithm } from '../federation';
import { SAFE_KID } from '../jws-header';
import { keyMismatch } from '../keys/algorithms';
import { jwkThumbprint } from '../keys/key-cache';
import { DEFAULT_TOKEN_POLICY } from '../token/token-policy';

/**
 * Developer tools: what a member organization's identity provider does in production (mint
 * access tokens, hold keys), for tests, local stacks and the CLI. Nothing here is on the hub's
 * verification path.
 */

export interface OrganizationKey {
  kid: string;
  alg: SigningAlgorithm;
  /** Keep secret: the organization signs with it. */
  privateJwk: JsonWebKey;
  /** What the organization gives the operator to register. */
  publicJwk: JsonWebKey;
}

/** Default lifetime of a minted token: short, well inside the hub's maximum token age. */
const DEFAULT_TTL_SECONDS = 900;

/**
 * A fresh key pair for `alg`. RSA keys are 2048-bit (RFC 7518's minimum, and the size the
 * performance figures assume). The kid defaults to the key's RFC 7638 thumbprint.
 */
export async function generateOrganizationKey(alg: SigningAlgorithm = 'ES256', kid?: string): Promise<OrganizationKey> {
  if (!isSigningAlgorithm(alg)) throw new TypeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (kid !== undefined && !SAFE_KID.test(kid)) throw new TypeError('kid must match ^[A-Za-z0-9._-]{1,128}$');
  const { publicKey, privateKey } = await keyPairFor(alg);
  const bare = publicKey.export({ format: 'jwk' });
  const keyId = kid ?? jwkThumbprint(bare);
  if (keyId === undefined) throw new TypeError('the generated key has no thumbprint');
  return {
    kid: keyId,
    alg,
    privateJwk: { ...privateKey.export({ format: 'jwk' }), kid: keyId, alg, use: 'sig' },
    publicJwk: { ...bare, kid: keyId, alg, use: 'sig' },
  };
}

function keyPairFor(alg: SigningAlgorithm): Promise<{ publicKey: KeyObject; privateKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => (error ? reject(error) : resolve({ publicKey, privateKey }));
    switch (alg) {
      case 'ES256':
        return generateKeyPair('ec', { namedCurve: 'P-256' }, done);
      case 'EdDSA':
        return generateKeyPair('ed25519', undefined, done);
      case 'RS256':
      case 'PS256':
        return generateKeyPair('rsa', { modulusLength: 2048 }, done);
      default: {
        const unhandled: never = alg;
        reject(new TypeError(`unhandled algorithm ${String(unhandled)}`));
      }
    }
  });
}

export interface TokenClaims {
  iss: string;
  sub: string;
  roles: Role[];
  /** Default: the hub's audience, urn:passerelle:hub. */
  aud?: string;
  /** Default: 900 s. */
  ttlSeconds?: number;
  /** Default: a random UUID. */
  jti?: string;
}

/** Mints an RFC 9068 access token as a member's identity provider would: typ at+jwt, iat, exp, roles. */
export async function mintToken(
  claims: TokenClaims,
  key: { privateJwk: JsonWebKey; kid: string; alg: SigningAlgorithm },
  clock: () => Date = () => new Date(),
): Promise<string> {
  if (!isSigningAlgorithm(key.alg)) throw new TypeError(`alg must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
  if (!SAFE_KID.test(key.kid)) throw new TypeError('kid must match ^[A-Za-z0-9._-]{1,128}$');
  if (!claims.roles.every(isRole)) throw new TypeError('roles must be federation roles');
  const ttl = claims.ttlSeconds ?? DEFAULT_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0) throw new TypeError('ttlSeconds must be a positive integer');
  const privateKey = createPrivateKey({ key: key.privateJwk, format: 'jwk' });
  const mismatch = keyMismatch(key.alg, privateKey);
  if (mismatch) throw new TypeError(`signing key ${key.kid}: ${mismatch}`);
  const issuedAt = Math.floor(clock().getTime() / 1000);
  return new SignJWT({ roles: [...claims.roles] })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: DEFAULT_TOKEN_POLICY.typ })
    .setIssuer(claims.iss)
    .setSubject(claims.sub)
    .setAudience(claims.aud ?? DEFAULT_TOKEN_POLICY.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttl)
    .setJti(claims.jti ?? randomUUID())
    .sign(privateKey);
}
