import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqlDatabaseContract } from '../database.contract';
import { identifyInstance } from '../instance';
import { PgliteDatabase } from './pglite-database';

sqlDatabaseContract('pglite (in memory)', () => PgliteDatabase.open());

describe('PgliteDatabase on disk', () => {
  it('keeps its data and identity when reopened', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'passerelle-pglite-'));
    try {
      const first = await PgliteDatabase.open(dir);
      const identity = await identifyInstance(first);
      await first.query('CREATE TABLE kept (v text)');
      await first.query("INSERT INTO kept VALUES ('still here')");
      await first.close();

      const second = await PgliteDatabase.open(dir);
      const { rows } = await second.query('SELECT v FROM kept');
      const again = await identifyInstance(second);
      await second.close();

      expect(rows).toEqual([{ v: 'still here' }]);
      expect(again).toEqual(identity);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('fails a ping once closed, as readiness needs', async () => {
    const db = await PgliteDatabase.open();
    await db.close();
    await expect(db.ping()).rejects.toMatchObject({ code: 'DATABASE.UNAVAILABLE' });
  });
});
