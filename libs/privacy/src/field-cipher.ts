import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PrivacyError } from './privacy.errors';

/** AES-256-GCM: a 256-bit key, a 96-bit IV (NIST SP 800-38D's recommended length), a 128-bit tag. */
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const DATA_KEY_BYTES = 32;

/**
 * A personal value as the store keeps it: `{ "$sealed": "<iv>.<ciphertext>.<tag>" }`, each part
 * base64url. An object no event schema allows where a personal value stands (their values are
 * strings, or objects without a `$sealed` property), so a sealed value is never mistaken for a
 * published one.
 */
export interface SealedValue {
  $sealed: string;
}

/** What readers see where a personal value stood once its citizen's data key was destroyed. */
export interface ErasedValue {
  $erased: true;
}

export const ERASED: ErasedValue = Object.freeze({ $erased: true });

export function isSealed(value: unknown): value is SealedValue {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { $sealed?: unknown }).$sealed === 'string' && Object.keys(value).length === 1;
}

export function isErased(value: unknown): value is ErasedValue {
  return typeof value === 'object' && value !== null && (value as { $erased?: unknown }).$erased === true;
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/**
 * Encrypts one JSON value under `key`, with its own random IV. `aad` (additional authenticated
 * data: the event id and the field's pointer) binds the ciphertext to where it stands, so a
 * sealed value moved to another event or field fails to open.
 */
export function sealValue(key: Buffer, value: unknown, aad: string): SealedValue {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return { $sealed: `${iv.toString('base64url')}.${ciphertext.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}` };
}

/** Decrypts a sealed value; PRIVACY.CIPHERTEXT_INVALID when it was altered, moved, or sealed under another key. */
export function openValue(key: Buffer, sealed: SealedValue, aad: string): unknown {
  const parts = sealed.$sealed.split('.');
  const [iv, ciphertext, tag] = parts.map((p) => Buffer.from(p, 'base64url'));
  if (parts.length !== 3 || iv!.length !== IV_BYTES || tag!.length !== TAG_BYTES) {
    throw new PrivacyError('PRIVACY.CIPHERTEXT_INVALID', `the sealed value at ${aad} is not <iv>.<ciphertext>.<tag> in base64url`);
  }
  let plaintext: string;
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv!, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(tag!);
    plaintext = Buffer.concat([decipher.update(ciphertext!), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new PrivacyError('PRIVACY.CIPHERTEXT_INVALID', `the sealed value at ${aad} does not open with its citizen's key: it was altered, moved, or sealed under another key`, { cause: err });
  }
  return JSON.parse(plaintext) as unknown;
}

/** Wraps a data key under a key-encryption key (AES-256-GCM, bound to `aad`): iv ‖ ciphertext ‖ tag. */
export function wrapKey(kek: Buffer, dataKey: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, cipher.update(dataKey), cipher.final(), cipher.getAuthTag()]);
}

/** Unwraps a data key; PRIVACY.KEK_WRONG when the key-encryption key is not the one that wrapped it. */
export function unwrapKey(kek: Buffer, wrapped: Buffer, aad: string): Buffer {
  if (wrapped.length !== IV_BYTES + DATA_KEY_BYTES + TAG_BYTES) throw new PrivacyError('PRIVACY.KEK_WRONG', `a wrapped data key (${aad}) has ${wrapped.length} bytes, not ${IV_BYTES + DATA_KEY_BYTES + TAG_BYTES}`);
  try {
    const decipher = createDecipheriv(ALGORITHM, kek, wrapped.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(wrapped.subarray(IV_BYTES + DATA_KEY_BYTES));
    return Buffer.concat([decipher.update(wrapped.subarray(IV_BYTES, IV_BYTES + DATA_KEY_BYTES)), decipher.final()]);
  } catch (err) {
    throw new PrivacyError('PRIVACY.KEK_WRONG', `a data key (${aad}) does not unwrap with the key-encryption key: it is not the key that wrapped it`, { cause: err });
  }
}
