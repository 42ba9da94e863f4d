import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { CitizenKeys, type ErasureRequest } from './citizen-keys';
import { sealValue } from './field-cipher';
import { LocalKeyFile } from './local/local-key-file';
import { PersonalData } from './personal-data';
import type { PrivacyError } from './privacy.errors';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'no error', (err: PrivacyError) => err.code);
const request = (citizen: string, eventId = `erasure-${citizen}`): ErasureRequest => ({ eventId, citizen, requestedBy: 'dpo@demo.health', legalBasis: 'GDPR art. 17(1)(a)', requestedAt: '2026-12-02T00:00:00Z' });

describe('citizens’ data keys (PGlite)', () => {
  let db: SqlDatabase;
  const kek = LocalKeyFile.ephemeral();
  beforeAll(async () => {
    db = await PgliteDatabase.open();
  });
  afterAll(() => db.close());

  it('makes one key per citizen, the same one each time, stored wrapped', async () => {
    const keys = await CitizenKeys.open(db, kek);
    const first = await keys.ensure(['cit-a', 'cit-b', 'cit-a']);
    const again = await keys.ensure(['cit-a']);
    expect(first.size).toBe(2);
    const a = first.get('cit-a');
    expect(a?.state === 'live' && again.get('cit-a')?.state === 'live' && a.key.equals((again.get('cit-a') as { key: Buffer }).key)).toBe(true);
    const { rows } = await db.query<{ wrapped: string }>("SELECT wrapped FROM privacy_citizen_keys WHERE citizen = 'cit-a'");
    expect(Buffer.from(rows[0]!.wrapped, 'base64').includes((a as { key: Buffer }).key)).toBe(false);
  });

  it('refuses to start with another KEK over existing wrapped keys: PRIVACY.KEK_WRONG', async () => {
    expect(await codeOf(CitizenKeys.open(db, LocalKeyFile.ephemeral()))).toBe('PRIVACY.KEK_WRONG');
    expect(await CitizenKeys.recordedKek(db)).toBe(kek.kekId);
  });

  it('erases in two steps: begun, the key reads as erased; completed, the wrapped key is gone; never twice; unknown citizens refused', async () => {
    const keys = await CitizenKeys.open(db, kek);
    const personal = new PersonalData(keys);
    await keys.ensure(['cit-c']);
    const live = (await keys.lookup(['cit-c'])).get('cit-c') as { key: Buffer };
    const event = { id: 'demo.health/evt-9', data: { id: 'evt-9', data: { address: sealValue(live.key, '12 rue des Lilas', 'demo.health/evt-9\n/data/address') } }, metadata: { personal: { citizen: 'cit-c', fields: ['/data/address'], signatureVerified: { kid: null } } } };
    expect((await personal.open([event]))[0]!.data).toEqual({ id: 'evt-9', data: { address: '12 rue des Lilas' } });

    await keys.beginErasure(request('cit-c'));
    expect((await keys.lookup(['cit-c'])).get('cit-c')?.state).toBe('erased');
    expect((await personal.open([event]))[0]!.data).toEqual({ id: 'evt-9', data: { address: { $erased: true } } });
    expect(await keys.pendingErasures()).toEqual([request('cit-c')]);
    await keys.completeErasure('cit-c');
    expect(await keys.pendingErasures()).toEqual([]);
    const { rows } = await db.query<{ wrapped: string | null }>("SELECT wrapped FROM privacy_citizen_keys WHERE citizen = 'cit-c'");
    expect(rows[0]!.wrapped).toBeNull();

    expect(await codeOf(keys.beginErasure(request('cit-c', 'another')))).toBe('PRIVACY.ALREADY_ERASED');
    expect(await codeOf(keys.beginErasure(request('cit-nobody')))).toBe('PRIVACY.CITIZEN_UNKNOWN');
    const sealedAgain = await personal.seal([{ eventId: 'x/1', citizen: 'cit-c', envelope: { data: { address: 'new' } }, fields: ['/data/address'], kid: null }]);
    expect(sealedAgain[0]).toMatchObject({ error: { code: 'PRIVACY.CITIZEN_ERASED' } });
  });
});
