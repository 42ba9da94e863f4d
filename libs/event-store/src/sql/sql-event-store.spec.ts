import { PgliteDatabase } from '@passerelle/database';
import { randomUUID } from 'node:crypto';
import { eventStoreContract } from '../event-store.contract';
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
});
