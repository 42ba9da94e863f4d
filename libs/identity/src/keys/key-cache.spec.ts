import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import { generateOrganizationKey, type OrganizationKey } from '../dev/dev-tools';
import type { KeyRecord } from '../federation';
import { inspectPublicJwk, jwkThumbprint, KeyCache } from './key-cache';

const record = (key: OrganizationKey, changes: Partial<KeyRecord> = {}): KeyRecord => ({ kid: key.kid, alg: key.alg, jwk: key.publicJwk, validFrom: '2026-01-01T00:00:00Z', ...changes });

describe('KeyCache', () => {
  let es: OrganizationKey;
  let ed: OrganizationKey;
  beforeAll(async () => {
    es = await generateOrganizationKey('ES256', 'k1');
    ed = await generateOrganizationKey('EdDSA', 'k2');
  });

  it('imports a key once, however many times it is asked for, even through a fresh copy of the record', () => {
    const keys = new KeyCache();
    const first = keys.publicKey('qc.ramq', record(es));
    for (let i = 0; i < 100; i++) keys.publicKey('qc.ramq', JSON.parse(JSON.stringify(record(es))) as KeyRecord);
    expect(first).toMatchObject({ ok: true });
    expect(keys.imports).toBe(1);
  });

  it('imports again when the material under a kid changes, or the same material belongs to another org', () => {
    const keys = new KeyCache();
    keys.publicKey('qc.ramq', record(es));
    keys.publicKey('qc.ramq', record(es, { jwk: { ...ed.publicJwk, alg: 'ES256' } }));
    keys.publicKey('qc.saaq', record(es));
    expect(keys.imports).toBe(3);
  });

  it('imports again when the material of the very same JWK object is changed in place', async () => {
    const keys = new KeyCache();
    const jwk = { ...es.publicJwk };
    const shared = record(es, { jwk });
    const before = keys.publicKey('qc.ramq', shared);
    const other = await generateOrganizationKey('ES256', 'k3');
    Object.assign(jwk, { x: other.publicJwk.x, y: other.publicJwk.y });
    const after = keys.publicKey('qc.ramq', shared);
    expect(keys.imports).toBe(2);
    expect(after).toMatchObject({ ok: true, thumbprint: await calculateJwkThumbprint(other.publicJwk as Parameters<typeof calculateJwkThumbprint>[0]) });
    expect(after.ok && before.ok && after.thumbprint !== before.thumbprint).toBe(true);
    keys.publicKey('qc.saaq', shared);
    expect(keys.imports).toBe(3);
  });

  it('stays within its bound', () => {
    const keys = new KeyCache(2);
    for (const org of ['a', 'b', 'c', 'd']) keys.publicKey(org, record(es));
    expect(keys.size).toBe(2);
  });

  it('uses the RFC 7638 thumbprint (same as jose) to fingerprint the material', async () => {
    expect(jwkThumbprint(es.publicJwk)).toBe(await calculateJwkThumbprint(es.publicJwk as Parameters<typeof calculateJwkThumbprint>[0]));
    expect(jwkThumbprint(ed.publicJwk)).toBe(await calculateJwkThumbprint(ed.publicJwk as Parameters<typeof calculateJwkThumbprint>[0]));
  });

  describe('refuses keys that must not be used (inspectPublicJwk)', () => {
    it('a private JWK', () => {
      expect(inspectPublicJwk('ES256', es.privateJwk)).toMatchObject({ ok: false, reason: expect.stringContaining('private member "d"') });
    });
    it('a key of another type than the algorithm (algorithm confusion)', () => {
      expect(inspectPublicJwk('RS256', es.publicJwk)).toMatchObject({ ok: false });
      expect(inspectPublicJwk('ES256', { ...ed.publicJwk, alg: undefined })).toMatchObject({ ok: false, reason: 'ES256 needs an EC P-256 key' });
    });
    it('an RSA key under 2048 bits', () => {
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });
      expect(inspectPublicJwk('RS256', weak)).toMatchObject({ ok: false, reason: expect.stringContaining('2048') });
    });
    it('a symmetric key, or an encryption key', () => {
      expect(inspectPublicJwk('ES256', { kty: 'oct', k: 'c2VjcmV0' })).toMatchObject({ ok: false });
      expect(inspectPublicJwk('ES256', { ...es.publicJwk, use: 'enc' })).toMatchObject({ ok: false });
    });
    it('accepts a good one and gives its thumbprint', () => {
      expect(inspectPublicJwk('EdDSA', ed.publicJwk)).toMatchObject({ ok: true, thumbprint: jwkThumbprint(ed.publicJwk) });
    });
  });
});
