import { Lease, LeaseLost, runUnderLease } from './lease';
import { PgliteDatabase } from './pglite/pglite-database';
import type { SqlDatabase } from './sql-database.port';

describe('Lease: one holder at a time, fail-over, fencing', () => {
  let db: SqlDatabase;
  beforeAll(async () => {
    db = await PgliteDatabase.open();
  }, 60_000);
  afterAll(async () => {
    await db.close();
  });

  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + 30_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('Given A holds the lease, When B tries, Then B stands by; When A stops renewing, Then B takes over with a higher fence and A is fenced out', async () => {
    const a = await Lease.open(db, 'relay-1', { holder: 'a', ttlMs: 300 });
    const b = await Lease.open(db, 'relay-1', { holder: 'b', ttlMs: 300 });
    await expect(a.acquire()).resolves.toBe(true);
    await expect(b.acquire()).resolves.toBe(false);
    await expect(a.renew()).resolves.toBe(true);
    const first = a.fence!;

    // A stalls (no renewal): once its lease expires, B takes it.
    await until(() => b.acquire());
    expect(b.fence).toBe(first + 1n);
    await expect(a.renew()).resolves.toBe(false);
    await expect(db.transaction((tx) => a.assertHeld(tx))).rejects.toThrow(LeaseLost);
    await expect(db.transaction((tx) => a.assertHeld(tx))).rejects.toThrow('a no longer holds the lease relay-1: another instance took it over');
    await expect(db.transaction((tx) => b.assertHeld(tx))).resolves.toBeUndefined();
  });

  it('Given two instances running work under one lease, When the holder stops, Then the work runs on the other, never on both', async () => {
    const running = new Set<string>();
    let both = false;
    const instance = async (holder: string) =>
      runUnderLease(await Lease.open(db, 'views-1', { holder, ttlMs: 300 }), {
        start: () => {
          running.add(holder);
          if (running.size > 1) both = true;
          return { stop: async () => void running.delete(holder) };
        },
      });
    const x = await instance('x');
    await until(async () => running.has('x'));
    const y = await instance('y');
    await x.stop(); // releases at once: y need not wait for the expiry
    await until(async () => running.has('y'));
    expect([...running]).toEqual(['y']);
    expect(both).toBe(false);
    await y.stop();
    expect(running.size).toBe(0);
  });
});
