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
  const { revokedAt, validUntil, validFrom } = instantsOf(key);
  if (key.revokedAt !== undefined && !(t < revokedAt)) return { kind: 'revoked', revokedAt: key.revokedAt };
  if (key.validUntil !== undefined && !(t < validUntil)) return { kind: 'retired', validUntil: key.validUntil };
  if (!(validFrom <= t)) return { kind: 'not-yet-valid', validFrom: key.validFrom };
  return { kind: 'valid' };
}

interface Instants {
  /** The timestamps as they were parsed: a record changed in place (say, revoked) is parsed again. */
  source: Pick<KeyRecord, 'revokedAt' | 'validUntil' | 'validFrom'>;
  revokedAt: number;
  validUntil: number;
  validFrom: number;
}

/** Parsed once per record (verifiers ask about the same key on every token), NaN where absent or unreadable. */
const parsed = new WeakMap<KeyRecord, Instants>();

function instantsOf(key: KeyRecord): Instants {
  const known = parsed.get(key);
  if (known && known.source.revokedAt === key.revokedAt && known.source.validUntil === key.validUntil && known.source.validFrom === key.validFrom) return known;
  const instants: Instants = {
    source: { revokedAt: key.revokedAt, validUntil: key.validUntil, validFrom: key.validFrom },
    revokedAt: key.revokedAt === undefined ? Number.NaN : Date.parse(key.revokedAt),
    validUntil: key.validUntil === undefined ? Number.NaN : Date.parse(key.validUntil),
    validFrom: Date.parse(key.validFrom),
  };
  parsed.set(key, instants);
  return instants;
}
