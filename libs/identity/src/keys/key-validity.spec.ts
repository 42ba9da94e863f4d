import type { KeyRecord } from '../federation';
import { keyStateAt } from './key-validity';

const key = (changes: Partial<KeyRecord> = {}): KeyRecord => ({ kid: 'k1', alg: 'ES256', jwk: {}, validFrom: '2026-01-01T00:00:00.000Z', ...changes });
const at = (iso: string) => new Date(iso);

describe('keyStateAt: valid iff validFrom <= t < validUntil and t < revokedAt', () => {
  it('Given only validFrom, Then it is valid from that very instant on, not a millisecond before', () => {
    expect(keyStateAt(key(), at('2026-01-01T00:00:00.000Z'))).toEqual({ kind: 'valid' });
    expect(keyStateAt(key(), at('2025-12-31T23:59:59.999Z'))).toEqual({ kind: 'not-yet-valid', validFrom: '2026-01-01T00:00:00.000Z' });
  });

  it('Given validUntil, Then it is retired at that very instant', () => {
    const retiring = key({ validUntil: '2026-06-01T00:00:00.000Z' });
    expect(keyStateAt(retiring, at('2026-05-31T23:59:59.999Z'))).toEqual({ kind: 'valid' });
    expect(keyStateAt(retiring, at('2026-06-01T00:00:00.000Z'))).toEqual({ kind: 'retired', validUntil: '2026-06-01T00:00:00.000Z' });
  });

  it('Given revokedAt, Then it is revoked at that very instant, and revocation outranks retirement', () => {
    const revoked = key({ validUntil: '2026-06-01T00:00:00.000Z', revokedAt: '2026-03-01T00:00:00.000Z' });
    expect(keyStateAt(revoked, at('2026-02-28T23:59:59.999Z'))).toEqual({ kind: 'valid' });
    expect(keyStateAt(revoked, at('2026-03-01T00:00:00.000Z'))).toEqual({ kind: 'revoked', revokedAt: '2026-03-01T00:00:00.000Z' });
    expect(keyStateAt(revoked, at('2026-07-01T00:00:00.000Z'))).toMatchObject({ kind: 'revoked' });
  });

  it('Given a timestamp that does not parse, Then the key fails closed', () => {
    expect(keyStateAt(key({ validFrom: 'soon' }), at('2030-01-01T00:00:00Z'))).toMatchObject({ kind: 'not-yet-valid' });
    expect(keyStateAt(key({ revokedAt: 'never' }), at('2026-02-01T00:00:00Z'))).toMatchObject({ kind: 'revoked' });
    expect(keyStateAt(key({ validUntil: '' }), at('2026-02-01T00:00:00Z'))).toMatchObject({ kind: 'retired' });
  });

  it('accepts milliseconds since the epoch as well as a Date', () => {
    expect(keyStateAt(key(), Date.parse('2026-02-01T00:00:00Z'))).toEqual({ kind: 'valid' });
  });

  it('Given a record revoked or moved in place after it was asked about, Then the next answer follows it', () => {
    const record = key({ validUntil: '2026-06-01T00:00:00.000Z' });
    expect(keyStateAt(record, at('2026-03-01T00:00:00.000Z'))).toEqual({ kind: 'valid' });
    record.revokedAt = '2026-02-01T00:00:00.000Z';
    expect(keyStateAt(record, at('2026-03-01T00:00:00.000Z'))).toMatchObject({ kind: 'revoked' });
    delete record.revokedAt;
    record.validFrom = '2026-04-01T00:00:00.000Z';
    expect(keyStateAt(record, at('2026-03-01T00:00:00.000Z'))).toMatchObject({ kind: 'not-yet-valid' });
  });
});
