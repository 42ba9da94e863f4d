import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateOrganizationKey, mintToken, type OrganizationKey } from '../dev/dev-tools';
import { IdentityError } from '../errors';
import { InMemoryDirectory, type MemberOrganization } from '../federation';
import { iso, T0, TestClock } from '../spec-fixtures';
import { TokenVerifier } from './token-verifier';

/**
 * Organizations may publish their token keys as a JWKS. These tests run the JWKS endpoint on a
 * local node:http server started here: no other network.
 */
describe('TokenVerifier with a remote JWKS', () => {
  let server: Server;
  let baseUrl: string;
  const hits = new Map<string, number>();
  const sets = new Map<string, { status: number; keys: OrganizationKey[] }>();
  let ramqRemote: OrganizationKey;
  let saaqRemote: OrganizationKey;
  const clock = new TestClock();

  beforeAll(async () => {
    ramqRemote = await generateOrganizationKey('ES256', 'ramq-idp-2026');
    saaqRemote = await generateOrganizationKey('EdDSA', 'saaq-idp-2026');
    server = createServer((request, response) => {
      const path = request.url ?? '';
      hits.set(path, (hits.get(path) ?? 0) + 1);
      const set = sets.get(path);
      if (!set) return void response.writeHead(404).end();
      response.writeHead(set.status, { 'content-type': 'application/jwk-set+json' });
      response.end(JSON.stringify({ keys: set.keys.map((key) => key.publicJwk) }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    hits.clear();
    sets.clear();
  });

  const org = (id: string, path: string, keys: MemberOrganization['keys'] = []): MemberOrganization => ({
    id,
    name: id,
    issuers: [`https://idp.${id}.example/`],
    roles: ['publisher', 'subscriber'],
    keys,
    jwksUri: `${baseUrl}${path}`,
  });
  const verifierOf = (orgs: MemberOrganization[], policy = {}) =>
    new TokenVerifier(new InMemoryDirectory(orgs), { allowInsecureJwksUri: true, ...policy }, clock.now);
  const tokenOf = (id: string, key: OrganizationKey, sub = 'agent') => mintToken({ iss: `https://idp.${id}.example/`, sub, roles: ['publisher'] }, key, clock.now);
  const codeOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
      return 'resolved';
    } catch (error) {
      if (error instanceof IdentityError) return error.code;
      throw error;
    }
  };

  it('Given a kid published in the org’s JWKS, When tokens arrive, Then they verify and the set is fetched once', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks')]);
    await expect(verifier.verify(await tokenOf('qc.ramq', ramqRemote, 'a'), 'publisher')).resolves.toMatchObject({ organization: { id: 'qc.ramq' }, keyId: 'ramq-idp-2026' });
    await expect(verifier.verify(await tokenOf('qc.ramq', ramqRemote, 'b'))).resolves.toMatchObject({ subject: 'b' });
    expect(hits.get('/ramq/jwks')).toBe(1);
  });

  it('Given a remote-verified token, When presented again, Then it is served from the verified-token cache', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks')]);
    const token = await tokenOf('qc.ramq', ramqRemote);
    await verifier.verify(token);
    await verifier.verify(token);
    expect(verifier.stats).toMatchObject({ verifications: 1, cacheHits: 1 });
  });

  it('Given a remote-verified token in the cache, When the JWKS cache age has passed, Then its signature is checked again', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const local = new TestClock();
    const verifier = new TokenVerifier(new InMemoryDirectory([org('qc.ramq', '/ramq/jwks')]), { allowInsecureJwksUri: true, jwksCacheMaxAgeSeconds: 60 }, local.now);
    const token = await mintToken({ iss: 'https://idp.qc.ramq.example/', sub: 'a', roles: ['publisher'] }, ramqRemote, local.now);
    await verifier.verify(token);
    local.advance(59);
    await verifier.verify(token);
    local.advance(1);
    await verifier.verify(token);
    expect(verifier.stats).toMatchObject({ verifications: 2, cacheHits: 1 });
  });

  it('Given a token with RAMQ’s iss but a kid from SAAQ’s JWKS, Then TOKEN.UNKNOWN_KEY: one org’s JWKS never vouches for another', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    sets.set('/saaq/jwks', { status: 200, keys: [saaqRemote] });
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks'), org('qc.saaq', '/saaq/jwks')]);
    const forged = await mintToken({ iss: 'https://idp.qc.ramq.example/', sub: 'x', roles: ['publisher'] }, saaqRemote, clock.now);
    expect(await codeOf(verifier.verify(forged))).toBe('TOKEN.UNKNOWN_KEY');
    expect(hits.get('/saaq/jwks')).toBeUndefined();
  });

  it('Given a flood of unknown kids, Then TOKEN.UNKNOWN_KEY and at most one refetch per cooldown', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks')], { jwksCooldownSeconds: 30 });
    const stranger = await generateOrganizationKey('ES256');
    for (let i = 0; i < 5; i++) {
      const random = await generateOrganizationKey('ES256', `random-${i}`);
      expect(await codeOf(verifier.verify(await tokenOf('qc.ramq', random)))).toBe('TOKEN.UNKNOWN_KEY');
    }
    expect(await codeOf(verifier.verify(await tokenOf('qc.ramq', stranger)))).toBe('TOKEN.UNKNOWN_KEY');
    expect(hits.get('/ramq/jwks')).toBe(1);
  });

  it('Given a kid registered in the directory AND present in the JWKS, Then the registered record rules: revoked stays revoked', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const registered = { kid: ramqRemote.kid, alg: ramqRemote.alg, jwk: ramqRemote.publicJwk, validFrom: iso(T0, -86_400), revokedAt: iso(T0, -60) };
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks', [registered])]);
    expect(await codeOf(verifier.verify(await tokenOf('qc.ramq', ramqRemote)))).toBe('TOKEN.KEY_REVOKED');
    expect(hits.get('/ramq/jwks')).toBeUndefined();
  });

  it('Given the JWKS endpoint answers 500, Then TOKEN.KEY_SET_UNAVAILABLE, marked retriable', async () => {
    sets.set('/ramq/jwks', { status: 500, keys: [] });
    const verifier = verifierOf([org('qc.ramq', '/ramq/jwks')]);
    const error = await verifier.verify(await tokenOf('qc.ramq', ramqRemote)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TOKEN.KEY_SET_UNAVAILABLE', status: 401, retriable: true });
  });

  it('Given a plain-http jwksUri and the default policy, Then TOKEN.KEY_SET_UNAVAILABLE without any fetch', async () => {
    sets.set('/ramq/jwks', { status: 200, keys: [ramqRemote] });
    const verifier = new TokenVerifier(new InMemoryDirectory([org('qc.ramq', '/ramq/jwks')]), {}, clock.now);
    expect(await codeOf(verifier.verify(await tokenOf('qc.ramq', ramqRemote)))).toBe('TOKEN.KEY_SET_UNAVAILABLE');
    expect(hits.size).toBe(0);
  });
});
