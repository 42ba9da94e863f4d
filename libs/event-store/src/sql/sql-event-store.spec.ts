import { PgliteDatabase } from '@passerelle/database';
import { randomUUID } from 'node:crypto';
import { eventStoreContract } from '../event-store.contract';
import { verifyChain } from '../integrity/hash-chain';
import { SqlEventStore } from './sql-event-store';

eventStoreContract('sql on PGlite (in memory)', async () => SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true }));

describe('SqlEventStore on PGlite', () => {
  const event = (type: string, data: Record<string, unknown> = {}) => ({ id: randomUUID(), type, data });

  it('opens again on the same database: migrations are idempotent and the events stay', async () => {
    const db = await PgliteDatabase.open();
    try {
      const first = await SqlEventStore.open(db);
      const stream = `case-${randomUUID()}`;
      await first.appendToStream(stream, [event('CaseOpened')], 'no_stream');
      await first.close();

      const again = await SqlEventStore.open(db);
      await expect(again.readStream(stream)).resolves.toHaveLength(1);
      await again.close();
    } finally {
      await db.close();
    }
  });

  it('keeps es_append, the single append of earlier versions, for their processes during an upgrade', async () => {
    const db = await PgliteDatabase.open();
    try {
      const store = await SqlEventStore.open(db);
      const stream = `case-${randomUUID()}`;
      // A process of an earlier version appends through es_append, as it always did.
      const earlier = (id: string, expected: string) =>
        db.query<{ outcome: string; revision: string }>(`SELECT outcome, revision::text AS revision FROM es_append($1, $2, $3::text[], $4::text[], $5::text[], $6::text[])`, [stream, expected, [id], ['Noted'], ['{}'], ['{}']]);
      const first = randomUUID();
      await expect(earlier(first, 'no_stream')).resolves.toMatchObject({ rows: [{ outcome: 'appended', revision: '0' }] });
      await expect(earlier(first, 'no_stream')).resolves.toMatchObject({ rows: [{ outcome: 'found', revision: '0' }] });
      await expect(store.appendToStream(stream, [event('Noted')], 0n)).resolves.toMatchObject({ revisions: [1n] });
      expect(verifyChain(await store.readStream(stream))).toEqual({ ok: true });

      // One of them starting again re-creates es_append as it was: this version's appends do not depend on it.
      await db.query(`CREATE OR REPLACE FUNCTION es_append(p_stream text, p_expected text, p_ids text[], p_types text[], p_data text[], p_metadata text[])
        RETURNS TABLE (outcome text, revision bigint, "position" bigint, hash text, id text, stream_id text, type text, prev_hash text)
        LANGUAGE sql AS $$ SELECT 'earlier'::text, NULL::bigint, NULL::bigint, NULL::text, NULL::text, NULL::text, NULL::text, NULL::text $$`);
      await expect(store.appendToStream(stream, [event('Noted')], 1n)).resolves.toMatchObject({ revisions: [2n] });
      await expect(store.appendMany([{ streamId: stream, events: [event('Noted')], expectedRevision: 2n }, { streamId: `${stream}-b`, events: [event('Noted')], expectedRevision: 'no_stream' }])).resolves.toMatchObject([{ ok: true }, { ok: true }]);
      await store.close();
    } finally {
      await db.close();
    }
  });

  it('refuses to update, delete or truncate stored events: the table is append-only', async () => {
    const db = await PgliteDatabase.open();
    try {
      const store = await SqlEventStore.open(db);
      const stream = `case-${randomUUID()}`;
      await store.appendToStream(stream, [event('Paid', { amount: 100 })], 'no_stream');

      await expect(db.query(`UPDATE es_events SET data = '{"amount": 1}' WHERE stream_id = $1`, [stream])).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(db.query('DELETE FROM es_events WHERE stream_id = $1', [stream])).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.query('TRUNCATE es_events')).rejects.toThrow(/append-only: TRUNCATE refused/);
      expect((await store.readStream(stream))[0]!.data).toEqual({ amount: 100 });
      await store.close();
    } finally {
      await db.close();
    }
  });

  it('refuses data JSON cannot hold, and a closed store, without writing anything', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const stream = `case-${randomUUID()}`;

    await expect(store.appendToStream(stream, [event('Measured', { value: Number.NaN })], 'no_stream')).rejects.toThrow(TypeError);
    await expect(store.appendToStream(stream, [{ id: '', type: 'X', data: {} }], 'no_stream')).rejects.toThrow(TypeError);
    expect(await store.streamExists(stream)).toBe(false);
    await store.close();
    await expect(store.appendToStream(stream, [event('X')], 'any')).rejects.toMatchObject({ code: 'STORE.UNAVAILABLE', retriable: true });
  });

  it('answers each of many appends made at once on its own, as if made one by one: written, refused for its revision, replayed, or refused for a reused id', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const [a, b, c, d] = [1, 2, 3, 4].map(() => `case-${randomUUID()}`) as [string, string, string, string];
    const opened = event('Opened');
    const first = await store.appendToStream(a, [opened], 'no_stream');
    const reused = event('Noted');
    await store.appendToStream(d, [reused], 'no_stream');

    const [written, conflict, replay, duplicate, second, third] = await Promise.allSettled([
      store.appendToStream(b, [event('Opened'), event('Noted')], 'no_stream'),
      store.appendToStream(a, [event('Noted')], 5n),
      store.appendToStream(a, [opened], 'no_stream'),
      store.appendToStream(c, [reused], 'no_stream'),
      // The same stream twice at once: the second waits for the first and continues its chain.
      store.appendToStream(`${b}-x`, [event('Opened')], 'no_stream'),
      store.appendToStream(`${b}-x`, [event('Noted')], 0n),
    ]);

    expect(written).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1n, duplicate: false } });
    expect(conflict).toMatchObject({ status: 'rejected', reason: { code: 'STORE.WRONG_EXPECTED_REVISION' } });
    expect(replay).toMatchObject({ status: 'fulfilled', value: { duplicate: true, positions: first.positions } });
    expect(duplicate).toMatchObject({ status: 'rejected', reason: { code: 'STORE.DUPLICATE_EVENT_ID' } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
    expect(third).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1n } });
    expect(await store.streamExists(c)).toBe(false);
    expect((await store.readStream(a)).map((e) => e.type)).toEqual(['Opened']);
    const all = await store.readAll();
    expect(all.map((e) => e.position)).toEqual([...all.map((e) => e.position)].sort((x, y) => (x < y ? -1 : 1)));
    expect(verifyChain(await store.readStream(`${b}-x`))).toEqual({ ok: true });
    await store.close();
  });
});
