import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader } from 'jose';
import { HubKeyRing, HubKeyRingError } from './hub-key-ring';

describe('HubKeyRing (the hub as Kafka token issuer)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-ring-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const jwksKids = (ring: HubKeyRing) => (JSON.parse(readFileSync(ring.jwksFile, 'utf8')) as { keys: Array<{ kid: string; d?: string }> }).keys.map((k) => k.kid);

  it('given a rotation, then new tokens are signed with the new key, and the JWKS file keeps the previous key while its tokens may live', async () => {
    let now = new Date('2026-12-01T10:00:00Z');
    const ring = HubKeyRing.create(join(dir, 'keys.json'), { maxTokenLifetimeSeconds: 600, clock: () => now });
    const first = ring.signingKey().kid;

    const { kid, retired } = ring.rotate();
    const token = await ring.mint('qc.ramq', 300);

    expect(retired).toEqual([first]);
    expect(decodeProtectedHeader(token.value).kid).toBe(kid);
    expect(jwksKids(ring)).toEqual([first, kid]);

    now = new Date('2026-12-01T10:10:31Z'); // 600 s + 30 s tolerance after the rotation
    ring.republish();
    expect(jwksKids(ring)).toEqual([kid]);
  });

  it('publishes public keys only', () => {
    const ring = HubKeyRing.create(join(dir, 'keys.json'));
    expect(readFileSync(ring.jwksFile, 'utf8')).not.toContain('"d"');
  });

  it('given another process rotated the ring, then this one signs with the new key', async () => {
    const file = join(dir, 'keys.json');
    const writer = HubKeyRing.create(file);
    const reader = HubKeyRing.open(file);
    const { kid } = writer.rotate();

    expect((await reader.mint('hub_ledger', 60)).kid).toBe(kid);
  });

  it.each([
    ['missing', null, /cannot read the hub's Kafka key ring .*keys\.json/],
    ['not JSON', '{', /keys\.json is not JSON: not a hub key ring/],
    ['without keys', '{"issuer":"i","audience":"a","keys":[]}', /has no issuer, audience or keys/],
  ])('refuses a ring file that is %s, naming it', (_case, content, message) => {
    const file = join(dir, 'keys.json');
    if (content !== null) writeFileSync(file, content);
    expect(() => HubKeyRing.open(file)).toThrow(HubKeyRingError);
    expect(() => HubKeyRing.open(file)).toThrow(message);
  });

  it('refuses a token lifetime beyond the maximum', async () => {
    const ring = HubKeyRing.create(join(dir, 'keys.json'), { maxTokenLifetimeSeconds: 600 });
    await expect(ring.mint('qc.ramq', 601)).rejects.toThrow('a Kafka token lives from 1 to 600 s, not 601');
  });
});
