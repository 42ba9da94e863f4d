import { randomUUID } from 'node:crypto';
import { identifyInstance } from './instance';
import { applyMigrations } from './migrations';
import type { SqlDatabase } from './sql-database.port';

/** The behaviour every SqlDatabase adapter owes its callers. Tables are unique per test. */
export function sqlDatabaseContract(name: string, open: () => Promise<SqlDatabase>): void {
  describe(`SqlDatabase contract: ${name}`, () => {
    let db: SqlDatabase;
    const table = () => `t_${randomUUID().replaceAll('-', '')}`;

    beforeAll(async () => {
      db = await open();
    });
    afterAll(async () => {
      await db.close();
    });

    it('round-trips rows with parameters, jsonb and counts', async () => {
      const t = table();
      await db.query(`CREATE TABLE ${t} (id bigint PRIMARY KEY, doc jsonb NOT NULL)`);
      const inserted = await db.query(`INSERT INTO ${t} VALUES ($1, $2), ($3, $4) RETURNING id`, [1, { a: 'é' }, 2, { b: [1, 2] }]);
      const { rows, rowCount } = await db.query<{ id: string; doc: unknown }>(`SELECT id, doc FROM ${t} ORDER BY id`);
      const updated = await db.query(`UPDATE ${t} SET doc = '{}' WHERE id > 5`);

      expect(inserted.rowCount).toBe(2);
      expect(rowCount).toBe(2);
      expect(rows.map((r) => [String(r.id), r.doc])).toEqual([
        ['1', { a: 'é' }],
        ['2', { b: [1, 2] }],
      ]);
      expect(updated.rowCount).toBe(0);
    });

    it('commits a transaction that resolves and rolls back one that rejects', async () => {
      const t = table();
      await db.query(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
      await db.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${t} VALUES (1)`);
      });
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO ${t} VALUES (2)`);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');

      const { rows } = await db.query<{ id: number }>(`SELECT id FROM ${t}`);
      expect(rows).toEqual([{ id: 1 }]);
    });

    it('hands back the very error a transaction body throws, so a refusal decided inside keeps its type', async () => {
      class Refusal extends Error {}
      const refusal = new Refusal('not allowed');

      await expect(db.transaction(async () => Promise.reject(refusal))).rejects.toBe(refusal);
    });

    it('applies migrations once, in order, however many openers run them at the same time', async () => {
      const t = table();
      const steps = [`CREATE TABLE IF NOT EXISTS ${t} (id int PRIMARY KEY)`, `INSERT INTO ${t} VALUES (1) ON CONFLICT DO NOTHING`];
      await Promise.all([applyMigrations(db, t, steps), applyMigrations(db, t, steps), applyMigrations(db, t, steps)]);

      const { rows } = await db.query<{ id: number }>(`SELECT id FROM ${t}`);
      expect(rows).toEqual([{ id: 1 }]);
    });

    it('reports a duplicate key as DATABASE.UNIQUE_VIOLATION and a bad query as DATABASE.QUERY_FAILED', async () => {
      const t = table();
      await db.query(`CREATE TABLE ${t} (id int PRIMARY KEY)`);
      await db.query(`INSERT INTO ${t} VALUES (1)`);

      await expect(db.query(`INSERT INTO ${t} VALUES (1)`)).rejects.toMatchObject({
        code: 'DATABASE.UNIQUE_VIOLATION',
        retriable: false,
        vendorCode: '23505',
      });
      await expect(db.query('SELEC nonsense')).rejects.toMatchObject({ code: 'DATABASE.QUERY_FAILED', vendorCode: '42601' });
    });

    it('keeps one instance identity however often it is asked', async () => {
      const first = await identifyInstance(db);
      const again = await identifyInstance(db);

      expect(first.instanceId).toMatch(/^[0-9a-f-]{36}$/);
      expect(again).toEqual(first);
    });

    it('delivers committed notifications to each listener until it stops listening', async () => {
      const channel = `c_${randomUUID().replaceAll('-', '')}`;
      const first: string[] = [];
      const second: string[] = [];
      const arrived = (list: string[], payload: string) =>
        new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (list.includes(payload)) {
              clearInterval(check);
              resolve();
            }
          }, 5);
        });
      const stopFirst = await db.listen(channel, (p) => first.push(p));
      const stopSecond = await db.listen(channel, (p) => second.push(p));

      await expect(
        db.transaction(async (tx) => {
          await tx.query('SELECT pg_notify($1, $2)', [channel, 'rolled back']);
          throw new Error('changed my mind');
        }),
      ).rejects.toThrow('changed my mind');
      await db.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', [channel, 'committed']);
      });
      await Promise.all([arrived(first, 'committed'), arrived(second, 'committed')]);
      await stopFirst();
      await db.query('SELECT pg_notify($1, $2)', [channel, 'after']);
      await arrived(second, 'after');
      await stopSecond();

      // Notifications from one session arrive in commit order, so no sleep is needed to know
      // the rolled-back one will never come and the first listener heard nothing after stopping.
      expect(first).toEqual(['committed']);
      expect(second).toEqual(['committed', 'after']);
    });

    it('refuses a channel name that is not a plain identifier', async () => {
      await expect(db.listen('Robert"; DROP TABLE x', () => undefined)).rejects.toThrow(/lower-case identifier/);
    });

    it('answers a ping with its kind and server version', async () => {
      await expect(db.ping()).resolves.toMatchObject({ database: db.kind, version: expect.stringMatching(/^\d+/) });
    });
  });
}
