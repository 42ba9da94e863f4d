import type { KeyRecord } from '../federation';

/** Where a key stands at one instant. Revocation outranks retirement, which outranks "not yet". */
export type KeyState =
  | { kind: 'valid' }
  | { kind: 'revoked'; revokedAt: string }
  | { kind: 'retired'; validUntil: string }
  | { kind: 'not-yet-valid'; validFrom: string };

/**
 * Valid at t iff validFrom <= t, and t < revokedAt (if any), and t < validUntil (if any).
 *
 * Each test is written as "not (the valid condition)" so that a timestamp that does not parse
 * (NaN compares false both ways) fails closed: an unreadable validFrom never becomes valid, an
 * unreadable revokedAt or validUntil counts as already reached.
 */
export function keyStateAt(key: KeyRecord, at: Date | number): KeyState {
  const t = typeof at === 'number' ? at : at.getTime();
  if (key.revokedAt !== undefined && !(t < Date.parse(key.revokedAt))) return { kind: 'revoked', revokedAt: key.revokedAt };
  if (key.validUntil !== undefined && !(t < Date.parse(key.validUntil))) return { kind: 'retired', validUntil: key.validUntil };
  if (!(Date.parse(key.validFrom) <= t)) return { kind: 'not-yet-valid', validFrom: key.validFrom };
  return { kind: 'valid' };
}
