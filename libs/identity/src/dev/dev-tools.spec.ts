import { decodeJwt, decodeProtectedHeader } from 'jose';
import { SIGNING_ALGORITHMS } from '../federation';
import { inspectPublicJwk, jwkThumbprint } from '../keys/key-cache';
import { T0 } from '../spec-fixtures';
import { generateOrganizationKey, mintToken } from './dev-tools';

describe('dev tools', () => {
  it.each(SIGNING_ALGORITHMS)('generateOrganizationKey(%s) gives a registrable public JWK and a thumbprint kid', async (alg) => {
    const key = await generateOrganizationKey(alg);
    expect(key.kid).toBe(jwkThumbprint(key.publicJwk));
    expect(key.publicJwk).toMatchObject({ alg, kid: key.kid, use: 'sig' });
    expect(key.publicJwk.d).toBeUndefined();
    expect(inspectPublicJwk(alg, key.publicJwk)).toMatchObject({ ok: true });
  });

  it('mintToken writes an RFC 9068 access token: typ at+jwt, iss, sub, aud, iat, exp, jti, roles', async () => {
    const key = await generateOrganizationKey('ES256', 'k1');
    const token = await mintToken({ iss: 'https://idp/', sub: 'agent', roles: ['publisher'], ttlSeconds: 60 }, key, () => T0);
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    const iat = Math.floor(T0.getTime() / 1000);
    expect(decodeJwt(token)).toEqual({ iss: 'https://idp/', sub: 'agent', aud: 'urn:passerelle:hub', iat, exp: iat + 60, jti: expect.any(String), roles: ['publisher'] });
  });

  it('refuses a kid the verifiers would refuse', async () => {
    await expect(generateOrganizationKey('ES256', '../k')).rejects.toThrow('kid must match');
  });
});
