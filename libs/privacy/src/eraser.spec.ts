import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore, type EventStore } from '@passerelle/event-store';
import { CitizenKeys } from './citizen-keys';
import { CITIZEN_DATA_ERASED, Eraser, erasureStreamId } from './eraser';
import { LocalKeyFile } from './local/local-key-file';
import type { PrivacyError } from './privacy.errors';

describe('erasure, whatever stops it half-way (PGlite)', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let keys: CitizenKeys;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
    store = await SqlEventStore.open(db);
    keys = await CitizenKeys.open(db, LocalKeyFile.ephemeral());
  });
  afterAll(() => db.close());
  const recordedBy = { organization: 'hub', subject: 'operator' };

  it('records who asked, on what basis, when, as CitizenDataErased; the key is gone', async () => {
    await keys.ensure(['cit-1']);
    const erased = await new Eraser(keys, store, () => new Date('2026-12-02T10:00:00Z')).erase({ citizen: 'cit-1', requestedBy: 'the citizen', legalBasis: 'GDPR art. 17(1)(a)', recordedBy });
    expect(erased).toMatchObject({ citizen: 'cit-1', requestedBy: 'the citizen', legalBasis: 'GDPR art. 17(1)(a)', erasedAt: '2026-12-02T10:00:00.000Z', recordedBy });
    const [event] = await store.readStream(erasureStreamId('cit-1'));
    expect(event).toMatchObject({ type: CITIZEN_DATA_ERASED, data: { citizen: 'cit-1', legalBasis: 'GDPR art. 17(1)(a)' } });
    expect((await keys.lookup(['cit-1'])).get('cit-1')?.state).toBe('erased');
    expect(await keys.pendingErasures()).toEqual([]);
  });

  it('a stop after the request was recorded: the key already opens nothing, and the next start completes it, event and all', async () => {
    await keys.ensure(['cit-2']);
    // What erase() does first, and then the process dies.
    await keys.beginErasure({ eventId: 'hub/erasure-cit-2', citizen: 'cit-2', requestedBy: 'dpo', legalBasis: 'court order 2026-118', requestedAt: '2026-12-02T09:00:00Z', erasedAt: '2026-12-02T09:00:01Z', recordedBy } as never);
    expect((await keys.lookup(['cit-2'])).get('cit-2')?.state).toBe('erased');
    expect(await store.streamExists(erasureStreamId('cit-2'))).toBe(false);
    const eraser = new Eraser(keys, store);
    expect(await eraser.completePending()).toBe(1);
    expect(await store.readStream(erasureStreamId('cit-2'))).toEqual([expect.objectContaining({ id: 'hub/erasure-cit-2', data: expect.objectContaining({ legalBasis: 'court order 2026-118', erasedAt: '2026-12-02T09:00:01Z' }) })]);
    const { rows } = await db.query<{ wrapped: string | null }>("SELECT wrapped FROM privacy_citizen_keys WHERE citizen = 'cit-2'");
    expect(rows[0]!.wrapped).toBeNull();
    // A stop after the event too: completing again changes nothing.
    await db.query("UPDATE privacy_citizen_keys SET erased_at = NULL WHERE citizen = 'cit-2'");
    expect(await eraser.completePending()).toBe(1);
    expect(await store.readStream(erasureStreamId('cit-2'))).toHaveLength(1);
  });

  it('refuses a request missing who asked or the legal basis, and changes nothing', async () => {
    await keys.ensure(['cit-3']);
    const refused = await new Eraser(keys, store).erase({ citizen: 'cit-3', requestedBy: '', legalBasis: 'x', recordedBy }).catch((err: PrivacyError) => err.code);
    expect(refused).toBe('PRIVACY.ERASURE_INVALID');
    expect((await keys.lookup(['cit-3'])).get('cit-3')?.state).toBe('live');
  });
});
