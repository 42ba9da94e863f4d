import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { verifyLog } from './log';

const STREAMS = 3;
const PER_STREAM = 7;

describe('verifyLog, reading the next page while it checks one', () => {
  let db: SqlDatabase;
  let store: SqlEventStore;

  beforeEach(async () => {
    db = await PgliteDatabase.open();
    store = await SqlEventStore.open(db);
    // Streams interleaved in the log, so every page holds several of them.
    for (let n = 0; n < PER_STREAM; n++) {
      for (let s = 0; s < STREAMS; s++) {
        await store.appendToStream(`case-${s}`, [{ id: `evt-${s}-${n}`, type: 'passerelle.case.Noted.v1', data: { n, note: `note ${n} of case ${s}` }, metadata: { publisher: 'qc.ramq' } }], n === 0 ? 'no_stream' : BigInt(n - 1));
      }
    }
  });
  afterEach(async () => {
    await db.close();
  });

  it('verifies the whole log across many pages, reporting progress up to its end', async () => {
    const progress: bigint[] = [];
    const report = await verifyLog(store, { pageSize: 4, onProgress: ({ position }) => progress.push(position) });
    expect(report).toMatchObject({ ok: true, streams: STREAMS, eventsVerified: STREAMS * PER_STREAM, checked: ['chain', 'head'] });
    expect(progress).toHaveLength(Math.ceil((STREAMS * PER_STREAM) / 4));
    expect(progress).toEqual([...progress].sort((a, b) => (a < b ? -1 : 1)));
    expect(progress.at(-1)).toBe(BigInt(STREAMS * PER_STREAM));
  });

  it('stops at a changed event in an early page, and the read already under way for the next one failing harms nothing', async () => {
    await db.transaction(async (tx) => {
      await tx.query('ALTER TABLE es_events DISABLE TRIGGER USER');
      await tx.query(`UPDATE es_events SET data = jsonb_set(data, '{note}', '"rewritten"') WHERE id = 'evt-1-0'`);
      await tx.query('ALTER TABLE es_events ENABLE TRIGGER USER');
    });
    // The database lost after the first page: the read under way fails once the report is out.
    let reads = 0;
    const failing = Object.create(store, {
      readAll: { value: (...args: Parameters<SqlEventStore['readAll']>) => (++reads === 1 ? store.readAll(...args) : new Promise((_, reject) => setTimeout(() => reject(new Error('connection lost')), 20))) },
    }) as SqlEventStore;
    const report = await verifyLog(failing, { pageSize: 4 });
    expect(report).toMatchObject({ ok: false, eventsVerified: 1, failure: { kind: 'modified', streamId: 'case-1', revision: '0' } });
    expect(reads).toBe(2);
    // An unhandled rejection of that read would fail the test run here.
    await new Promise((resolve) => setTimeout(resolve, 50));
  });
});
