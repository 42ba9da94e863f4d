import { constants, sign, verify, type KeyObject, type SignKeyObjectInput, type VerifyKeyObjectInput } from 'node:crypto';
import type { SigningAlgorithm } from '../federation';

/**
 * The node:crypto side of each JWS algorithm (RFC 7518 §3). Events are verified here rather
 * than through jose because jose's WebCrypto path costs ~200 µs per awaited call against
 * 22–109 µs for OpenSSL on a pre-imported KeyObject (docs: shared/notes/performance-facts.md).
 */
interface NodeParams {
  /** null: the algorithm hashes internally (Ed25519). */
  digest: 'sha256' | null;
  options: Omit<VerifyKeyObjectInput, 'key'>;
}

function nodeParams(alg: SigningAlgorithm): NodeParams {
  switch (alg) {
    // JWS carries ECDSA signatures as the raw r||s pair (IEEE P1363), not DER.
    case 'ES256':
      return { digest: 'sha256', options: { dsaEncoding: 'ieee-p1363' } };
    case 'EdDSA':
      return { digest: null, options: {} };
    case 'RS256':
      return { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PADDING } };
    // RFC 7518 §3.5: the salt is as long as the hash output, 32 bytes for SHA-256.
    case 'PS256':
      return { digest: 'sha256', options: { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } };
    default: {
      const unhandled: never = alg;
      throw new TypeError(`unhandled algorithm ${String(unhandled)}`);
    }
  }
}

/** True iff `signature` is valid over `data`; a signature of the wrong shape is simply invalid. */
export type SignatureCheck = (data: Uint8Array, signature: Uint8Array) => boolean;

/**
 * The check for one algorithm on one imported key, with node:crypto's options built once: a
 * verifier asks the same key over and over, and a fresh options object per call is work that
 * node:crypto then has to take apart again.
 */
export function signatureCheck(alg: SigningAlgorithm, key: KeyObject): SignatureCheck {
  const { digest, options } = nodeParams(alg);
  const input: VerifyKeyObjectInput = { key, ...options };
  return (data, signature) => {
    try {
      return verify(digest, data, input, signature);
    } catch {
      return false;
    }
  };
}

export function createSignature(alg: SigningAlgorithm, key: KeyObject, data: Uint8Array): Buffer {
  const { digest, options } = nodeParams(alg);
  return sign(digest, data, { key, ...options } as SignKeyObjectInput);
}

const RSA_MIN_BITS = 2048;
/** A registered key is trusted configuration, but a 16k-bit modulus would still let one key slow every verification. */
const RSA_MAX_BITS = 8192;

/** Why `key` cannot serve `alg`, or undefined when it can. Guards against algorithm confusion. */
export function keyMismatch(alg: SigningAlgorithm, key: KeyObject): string | undefined {
  const type = key.asymmetricKeyType;
  switch (alg) {
    case 'ES256':
      return type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1' ? undefined : 'ES256 needs an EC P-256 key';
    case 'EdDSA':
      return type === 'ed25519' ? undefined : 'EdDSA needs an Ed25519 key';
    case 'RS256':
    case 'PS256': {
      if (type !== 'rsa' && type !== 'rsa-pss') return `${alg} needs an RSA key`;
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      return bits >= RSA_MIN_BITS && bits <= RSA_MAX_BITS ? undefined : `${alg} needs an RSA modulus of ${RSA_MIN_BITS}–${RSA_MAX_BITS} bits (got ${bits})`;
    }
    default: {
      const unhandled: never = alg;
      throw new TypeError(`unhandled algorithm ${String(unhandled)}`);
    }
  }
}
