import { createPublicKey } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { generateOrganizationKey, mintToken, type OrganizationKey } from '../dev/dev-tools';
import { IdentityError, type IdentityErrorCode } from '../errors';
import { InMemoryDirectory, SIGNING_ALGORITHMS, type FederationDirectory, type MemberOrganization } from '../federation';
import { claimsOf, iso, member, seconds, signRaw, T0, TestClock, type TestMember } from '../spec-fixtures';
import { TokenVerifier } from './token-verifier';

async function rejection(promise: Promise<unknown>): Promise<IdentityError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof IdentityError) return error;
    throw error;
  }
  throw new Error('expected the verification to fail');
}

async function expectCode(promise: Promise<unknown>, code: IdentityErrorCode, status: 401 | 403 = 401): Promise<IdentityError> {
  const error = await rejection(promise);
  expect({ code: error.code, status: error.status, retriable: error.retriable }).toEqual({ code, status, retriable: false });
  return error;
}

describe('TokenVerifier', () => {
  let ramq: TestMember;
  let saaq: TestMember;
  let attacker: OrganizationKey;
  let clock: TestClock;

  beforeAll(async () => {
    ramq = await member('qc.ramq', 'ES256', ['publisher', 'subscriber']);
    saaq = await member('qc.saaq', 'ES256', ['subscriber']);
    attacker = await generateOrganizationKey('ES256', 'qc.ramq-1');
  });
  beforeEach(() => {
    clock = new TestClock();
  });

  const directoryOf = (...orgs: MemberOrganization[]) => new InMemoryDirectory(orgs);
  const verifierOf = (directory: FederationDirectory = directoryOf(ramq.org, saaq.org)) => new TokenVerifier(directory, {}, clock.now);
  const signed = (m: TestMember, claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
    signRaw({ alg: m.key.alg, typ: 'at+jwt', kid: m.key.kid, ...header }, claims, m.key.privateJwk, m.key.alg);
  const withKey = (m: TestMember, changes: Partial<MemberOrganization['keys'][number]>): MemberOrganization => ({
    ...m.org,
    keys: m.org.keys.map((key) => ({ ...key, ...changes })),
  });

  describe('Given a token minted by a member with a valid key', () => {
    it('When verified from an Authorization header, Then the caller is the organization with the roles both claimed and registered', async () => {
      const token = await mintToken({ iss: ramq.issuer, sub: 'agent-42', roles: ['publisher', 'operator'], jti: 'abc' }, ramq.key, clock.now);
      const caller = await verifierOf().verify(`Bearer ${token}`, 'publisher');
      expect(caller).toEqual({
        organization: ramq.org,
        subject: 'agent-42',
        roles: ['publisher'],
        expiresAt: new Date((seconds(T0) + 900) * 1000),
        issuedAt: new Date(seconds(T0) * 1000),
        issuer: ramq.issuer,
        keyId: ramq.key.kid,
        tokenId: 'abc',
      });
    });

    it('When given bare, or with a lower-case scheme, Then it verifies the same', async () => {
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['subscriber'] }, ramq.key, clock.now);
      const verifier = verifierOf();
      await expect(verifier.verify(token)).resolves.toMatchObject({ subject: 'a' });
      await expect(verifier.verify(`bearer  ${token}`)).resolves.toMatchObject({ subject: 'a' });
    });

    it.each(SIGNING_ALGORITHMS)('When the key is %s, Then it verifies', async (alg) => {
      const m = await member('qc.mtess', alg);
      const token = await mintToken({ iss: m.issuer, sub: 'a', roles: ['publisher'] }, m.key, clock.now);
      await expect(verifierOf(directoryOf(m.org)).verify(token, 'publisher')).resolves.toMatchObject({ organization: { id: 'qc.mtess' } });
    });

    it('When typ is written application/at+jwt, Then it is the same type (RFC 7515 §4.1.9)', async () => {
      await expect(verifierOf().verify(signed(ramq, claimsOf(ramq, T0), { typ: 'application/at+jwt' }))).resolves.toMatchObject({ subject: 'agent-42' });
    });
  });

  describe('Given a token already verified (the cache)', () => {
    it('When presented again, Then no crypto is redone', async () => {
      const verifier = verifierOf();
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'] }, ramq.key, clock.now);
      for (let i = 0; i < 5; i++) await verifier.verify(token, 'publisher');
      expect(verifier.stats).toEqual({ verifications: 1, cacheHits: 4, cacheSize: 1 });
    });

    it('When its key is revoked afterwards, Then the next use fails with TOKEN.KEY_REVOKED', async () => {
      const directory = directoryOf(ramq.org);
      const verifier = verifierOf(directory);
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'] }, ramq.key, clock.now);
      await verifier.verify(token);
      clock.advance(10);
      directory.replace([withKey(ramq, { revokedAt: iso(T0, 5) })]);
      await expectCode(verifier.verify(token), 'TOKEN.KEY_REVOKED');
    });

    it('When the clock passes exp (plus tolerance), Then it fails with TOKEN.EXPIRED', async () => {
      const verifier = verifierOf();
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'], ttlSeconds: 60 }, ramq.key, clock.now);
      await verifier.verify(token);
      clock.advance(60 + 29);
      await expect(verifier.verify(token)).resolves.toBeDefined();
      clock.advance(1);
      await expectCode(verifier.verify(token), 'TOKEN.EXPIRED');
    });

    it('When the operator withdraws a role, Then the cached token loses it at once', async () => {
      const directory = directoryOf(ramq.org);
      const verifier = verifierOf(directory);
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'] }, ramq.key, clock.now);
      await verifier.verify(token, 'publisher');
      directory.replace([{ ...ramq.org, roles: ['subscriber'] }]);
      await expectCode(verifier.verify(token, 'publisher'), 'TOKEN.ROLE_MISSING', 403);
    });

    it('When the key material under the same kid is replaced, Then the signature is checked again and fails', async () => {
      const directory = directoryOf(ramq.org);
      const verifier = verifierOf(directory);
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'] }, ramq.key, clock.now);
      await verifier.verify(token);
      directory.replace([withKey(ramq, { jwk: attacker.publicJwk })]);
      await expectCode(verifier.verify(token), 'TOKEN.SIGNATURE_INVALID');
      expect(verifier.stats.verifications).toBe(2);
    });
  });

  describe('Given a token that must be refused', () => {
    it('no token at all → TOKEN.MISSING', async () => {
      const verifier = verifierOf();
      await expectCode(verifier.verify(undefined), 'TOKEN.MISSING');
      await expectCode(verifier.verify(''), 'TOKEN.MISSING');
      await expectCode(verifier.verify('Bearer '), 'TOKEN.MISSING');
    });

    it('not three base64url parts, or another scheme → TOKEN.MALFORMED', async () => {
      const verifier = verifierOf();
      await expectCode(verifier.verify('Bearer abc.def'), 'TOKEN.MALFORMED');
      await expectCode(verifier.verify('Bearer a.b.c.d.e'), 'TOKEN.MALFORMED');
      await expectCode(verifier.verify('Bearer a+b.c.d'), 'TOKEN.MALFORMED');
      await expectCode(verifier.verify('Basic dXNlcjpwYXNz'), 'TOKEN.MALFORMED');
      await expectCode(verifier.verify('Bearer bm90IGpzb24.e30.c2ln'), 'TOKEN.MALFORMED');
    });

    it('over the size cap (20 KiB of garbage) → TOKEN.TOO_LARGE, before any decoding, lookup or crypto', async () => {
      const directory = directoryOf(ramq.org);
      const lookup = jest.spyOn(directory, 'organizationByIssuer');
      const verifier = verifierOf(directory);
      await expectCode(verifier.verify(`Bearer ${'\u0000%garbage'.repeat(2048)}`), 'TOKEN.TOO_LARGE');
      // A genuinely signed token padded over the cap is refused the same way.
      const padded = signed(ramq, claimsOf(ramq, T0, { padding: 'x'.repeat(20_000) }));
      await expectCode(verifier.verify(padded), 'TOKEN.TOO_LARGE');
      expect(lookup).not.toHaveBeenCalled();
      expect(verifier.stats.verifications).toBe(0);
    });

    it('alg none (unsecured JWT) → TOKEN.ALG_NOT_ALLOWED', async () => {
      const unsecured = new UnsecuredJWT(claimsOf(ramq, T0)).encode();
      await expectCode(verifierOf().verify(unsecured), 'TOKEN.ALG_NOT_ALLOWED');
      const withKid = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt', kid: ramq.key.kid })).toString('base64url')}.${unsecured.split('.')[1]}.`;
      await expectCode(verifierOf().verify(withKid), 'TOKEN.ALG_NOT_ALLOWED');
    });

    it('HS256 signed with the org’s public key bytes as the HMAC secret (key confusion) → TOKEN.ALG_NOT_ALLOWED', async () => {
      const publicPem = createPublicKey({ key: ramq.key.publicJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
      const token = await new SignJWT(claimsOf(ramq, T0))
        .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: ramq.key.kid })
        .sign(new TextEncoder().encode(String(publicPem)));
      await expectCode(verifierOf().verify(token), 'TOKEN.ALG_NOT_ALLOWED');
    });

    it('an algorithm outside the policy’s allow-list → TOKEN.ALG_NOT_ALLOWED', async () => {
      const m = await member('qc.mtess', 'EdDSA');
      const token = await mintToken({ iss: m.issuer, sub: 'a', roles: ['publisher'] }, m.key, clock.now);
      const verifier = new TokenVerifier(directoryOf(m.org), { algorithms: ['ES256'] }, clock.now);
      await expectCode(verifier.verify(token), 'TOKEN.ALG_NOT_ALLOWED');
    });

    it('an allowed alg that is not the one the key is registered for → TOKEN.ALG_NOT_ALLOWED', async () => {
      const rsa = await generateOrganizationKey('RS256', ramq.key.kid);
      const token = signRaw({ alg: 'RS256', typ: 'at+jwt', kid: ramq.key.kid }, claimsOf(ramq, T0), rsa.privateJwk, 'RS256');
      await expectCode(verifierOf().verify(token), 'TOKEN.ALG_NOT_ALLOWED');
    });

    it('wrong typ, or none → TOKEN.TYP_INVALID', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0), { typ: 'JWT' })), 'TOKEN.TYP_INVALID');
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0), { typ: undefined })), 'TOKEN.TYP_INVALID');
    });

    it('an unknown crit extension → TOKEN.CRIT_UNSUPPORTED', async () => {
      const token = signed(ramq, claimsOf(ramq, T0), { crit: ['urn:example:must-understand'], 'urn:example:must-understand': true });
      await expectCode(verifierOf().verify(token), 'TOKEN.CRIT_UNSUPPORTED');
    });

    describe('a header pointing at or embedding an attacker key → TOKEN.UNTRUSTED_KEY_REFERENCE, never fetched', () => {
      let fetchSpy: jest.SpyInstance;
      beforeEach(() => {
        fetchSpy = jest.spyOn(globalThis, 'fetch');
      });
      afterEach(() => fetchSpy.mockRestore());
      const attackerToken = (header: Record<string, unknown>) =>
        signRaw({ alg: 'ES256', typ: 'at+jwt', kid: 'evil-1', ...header }, claimsOf(ramq, T0), attacker.privateJwk, 'ES256');

      it('jku', async () => {
        await expectCode(verifierOf().verify(attackerToken({ jku: 'https://attacker.example/jwks.json' })), 'TOKEN.UNTRUSTED_KEY_REFERENCE');
        expect(fetchSpy).not.toHaveBeenCalled();
      });
      it('x5u', async () => {
        await expectCode(verifierOf().verify(attackerToken({ x5u: 'https://attacker.example/cert.pem' })), 'TOKEN.UNTRUSTED_KEY_REFERENCE');
        expect(fetchSpy).not.toHaveBeenCalled();
      });
      it('embedded jwk', async () => {
        await expectCode(verifierOf().verify(attackerToken({ jwk: attacker.publicJwk })), 'TOKEN.UNTRUSTED_KEY_REFERENCE');
      });
      it('x5c', async () => {
        await expectCode(verifierOf().verify(attackerToken({ x5c: ['MIIBattacker'] })), 'TOKEN.UNTRUSTED_KEY_REFERENCE');
      });
    });

    it.each([['../../etc/passwd'], ["' OR 1=1 --"], ['a'.repeat(129)], [''], [42]])('kid %p → TOKEN.MALFORMED, before any lookup', async (kid) => {
      const directory = directoryOf(ramq.org);
      const lookup = jest.spyOn(directory, 'organizationByIssuer');
      await expectCode(verifierOf(directory).verify(signed(ramq, claimsOf(ramq, T0), { kid })), 'TOKEN.MALFORMED');
      expect(lookup).not.toHaveBeenCalled();
    });

    it('an issuer that is no member → TOKEN.UNKNOWN_ISSUER', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { iss: 'https://idp.unknown.example/' }))), 'TOKEN.UNKNOWN_ISSUER');
    });

    it('signed with a real member key (RAMQ) but iss of another member (SAAQ) → TOKEN.UNKNOWN_KEY: keys are looked up only among the iss org’s own keys', async () => {
      const token = signed(ramq, claimsOf(ramq, T0, { iss: saaq.issuer }));
      await expectCode(verifierOf().verify(token), 'TOKEN.UNKNOWN_KEY');
    });

    it('…and if SAAQ happens to own a key with the same kid, that key is used and the signature fails → TOKEN.SIGNATURE_INVALID', async () => {
      const saaqSameKid = { ...saaq.org, keys: [{ ...saaq.org.keys[0]!, kid: ramq.key.kid }] };
      const token = signed(ramq, claimsOf(ramq, T0, { iss: saaq.issuer }));
      await expectCode(verifierOf(directoryOf(ramq.org, saaqSameKid)).verify(token), 'TOKEN.SIGNATURE_INVALID');
    });

    it('a directory resolving an iss to an org that does not list it (inconsistent registry) → TOKEN.ISSUER_MISMATCH from jose’s issuer check', async () => {
      const confused: FederationDirectory = { organization: () => undefined, organizationByIssuer: () => ramq.org, organizations: () => [ramq.org] };
      const token = signed(ramq, claimsOf(ramq, T0, { iss: 'https://idp.other.example/' }));
      await expectCode(verifierOf(confused).verify(token), 'TOKEN.ISSUER_MISMATCH');
    });

    it('a kid the org does not have (and no jwksUri) → TOKEN.UNKNOWN_KEY', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0), { kid: 'qc.ramq-9' })), 'TOKEN.UNKNOWN_KEY');
    });

    it('signed by another key under the org’s kid (wrong signature) → TOKEN.SIGNATURE_INVALID', async () => {
      const token = signRaw({ alg: 'ES256', typ: 'at+jwt', kid: ramq.key.kid }, claimsOf(ramq, T0), attacker.privateJwk, 'ES256');
      await expectCode(verifierOf().verify(token), 'TOKEN.SIGNATURE_INVALID');
    });

    it('a tampered payload (roles raised after signing) → TOKEN.SIGNATURE_INVALID', async () => {
      const [header, , signature] = signed(ramq, claimsOf(ramq, T0)).split('.');
      const raised = Buffer.from(JSON.stringify(claimsOf(ramq, T0, { roles: ['publisher', 'operator'] }))).toString('base64url');
      await expectCode(verifierOf().verify(`${header}.${raised}.${signature}`), 'TOKEN.SIGNATURE_INVALID');
    });

    it('expired → TOKEN.EXPIRED', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 700, exp: seconds(T0) - 31 }))), 'TOKEN.EXPIRED');
    });

    it('nbf in the future → TOKEN.NOT_YET_VALID', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { nbf: seconds(T0) + 300 }))), 'TOKEN.NOT_YET_VALID');
    });

    it('iat in the future beyond the tolerance → TOKEN.ISSUED_IN_FUTURE', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) + 120 }))), 'TOKEN.ISSUED_IN_FUTURE');
    });

    it('iat older than the maximum token age, whatever exp says → TOKEN.TOO_OLD', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 4000, exp: seconds(T0) + 86_400 }))), 'TOKEN.TOO_OLD');
    });

    it('no exp → TOKEN.CLAIM_MISSING', async () => {
      const error = await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { exp: undefined }))), 'TOKEN.CLAIM_MISSING');
      expect(error.message).toContain('"exp"');
    });

    it('no sub → TOKEN.CLAIM_MISSING', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { sub: undefined }))), 'TOKEN.CLAIM_MISSING');
    });

    it('roles not an array of strings → TOKEN.CLAIM_INVALID', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { roles: 'publisher operator' }))), 'TOKEN.CLAIM_INVALID');
    });

    it('wrong aud → TOKEN.AUDIENCE_MISMATCH', async () => {
      await expectCode(verifierOf().verify(signed(ramq, claimsOf(ramq, T0, { aud: 'urn:other:service' }))), 'TOKEN.AUDIENCE_MISMATCH');
    });

    it('a revoked key → TOKEN.KEY_REVOKED, even for a token minted before the revocation', async () => {
      const before = signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 120 }));
      const verifier = verifierOf(directoryOf(withKey(ramq, { revokedAt: iso(T0, -60) })));
      await expectCode(verifier.verify(before), 'TOKEN.KEY_REVOKED');
      await expectCode(verifier.verify(signed(ramq, claimsOf(ramq, T0))), 'TOKEN.KEY_REVOKED');
    });

    it('a retired key signing a new token → TOKEN.KEY_RETIRED', async () => {
      const verifier = verifierOf(directoryOf(withKey(ramq, { validUntil: iso(T0, -3600) })));
      await expectCode(verifier.verify(await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['publisher'] }, ramq.key, clock.now)), 'TOKEN.KEY_RETIRED');
    });

    it('a key not valid yet → TOKEN.KEY_NOT_YET_VALID', async () => {
      const verifier = verifierOf(directoryOf(withKey(ramq, { validFrom: iso(T0, 3600) })));
      await expectCode(verifier.verify(signed(ramq, claimsOf(ramq, T0))), 'TOKEN.KEY_NOT_YET_VALID');
    });

    it('a token whose iat precedes its key’s validFrom (beyond the skew) → TOKEN.KEY_NOT_YET_VALID; within the skew it passes', async () => {
      const verifier = verifierOf(directoryOf(withKey(ramq, { validFrom: iso(T0, -600) })));
      await expectCode(verifier.verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 900 }))), 'TOKEN.KEY_NOT_YET_VALID');
      await expect(verifier.verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 610 })))).resolves.toBeDefined();
    });

    it('a token minted in the very second its key became valid passes with no clock tolerance at all (iat counts whole seconds)', async () => {
      // The key valid from 12:00:00.600; the token minted at 12:00:00.900 says iat 12:00:00.
      const verifier = new TokenVerifier(directoryOf(withKey(ramq, { validFrom: iso(T0, 0.6) })), { clockToleranceSeconds: 0 }, () => new Date(T0.getTime() + 900));
      await expect(verifier.verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) })))).resolves.toBeDefined();
      await expectCode(verifier.verify(signed(ramq, claimsOf(ramq, T0, { iat: seconds(T0) - 1 }))), 'TOKEN.KEY_NOT_YET_VALID');
    });

    it('a missing role → TOKEN.ROLE_MISSING (403)', async () => {
      const token = await mintToken({ iss: ramq.issuer, sub: 'a', roles: ['subscriber'] }, ramq.key, clock.now);
      const error = await expectCode(verifierOf().verify(token, 'publisher'), 'TOKEN.ROLE_MISSING', 403);
      expect(error.message).toContain('the token does not claim it');
    });

    it('a role the token claims but the org is not registered for → TOKEN.ROLE_MISSING (403)', async () => {
      const token = await mintToken({ iss: saaq.issuer, sub: 'a', roles: ['publisher'] }, saaq.key, clock.now);
      const error = await expectCode(verifierOf().verify(token, 'publisher'), 'TOKEN.ROLE_MISSING', 403);
      expect(error.message).toContain('qc.saaq is not registered for it');
    });
  });
});
