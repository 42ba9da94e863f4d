import { PostgresDatabase, type QueryResult, type SqlDatabase, type SqlExecutor } from '@passerelle/database';
import { testDatabaseUrl } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { eventStoreContract, readInBackground } from '../event-store.contract';
import type { AllSubscription, EventToAppend, RecordedEvent } from '../event-store.port';
import { verifyChain } from '../integrity/hash-chain';
import { SqlEventStore } from './sql-event-store';

eventStoreContract('sql on PostgreSQL', async () => SqlEventStore.open(await PostgresDatabase.open({ url: testDatabaseUrl() }), { ownsDatabase: true }), {
  timeoutMs: 60_000,
});

/** A point a transaction stops at until released, and a promise that tells when it got there. */
function pausePoint() {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    reached,
    release,
    hook: async () => {
      reach();
      await released;
    },
  };
}

/**
 * A SqlDatabase that can hold an append just before it starts, or just before it commits:
 * how these tests force commits into an order of their choosing.
 */
class SteerableDatabase implements SqlDatabase {
  readonly kind = 'postgres' as const;
  /** Runs once, before the next append does anything. */
  beforeInsert: (() => Promise<void>) | undefined;
  /** Runs once, before the next transaction's COMMIT. */
  beforeCommit: (() => Promise<void>) | undefined;
  /** Runs before every COMMIT (e.g. a random delay). */
  everyCommit: (() => Promise<void>) | undefined;

  constructor(private readonly inner: SqlDatabase) {}

  get location(): string {
    return this.inner.location;
  }

  /**
   * An append is one statement (es_append, or es_append_many for a group); when steered, it runs inside a transaction of its
   * own so the hooks can hold it just before (nothing locked yet) or just after (positions
   * drawn, APPEND_LOCK held, not committed).
   */
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<R>> {
    if (!sql.includes('es_append') || !(this.beforeInsert || this.beforeCommit || this.everyCommit)) return this.inner.query<R>(sql, params);
    return this.inner.transaction(async (tx) => {
      await this.take('beforeInsert')?.();
      const result = await tx.query<R>(sql, params);
      await this.take('beforeCommit')?.();
      await this.everyCommit?.();
      return result;
    });
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.inner.transaction(fn);
  }

  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    return this.inner.listen(channel, onNotify);
  }

  ping(): Promise<Record<string, unknown>> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private take(which: 'beforeInsert' | 'beforeCommit'): (() => Promise<void>) | undefined {
    const hook = this[which];
    this[which] = undefined;
    return hook;
  }
}

describe('SqlEventStore on PostgreSQL: positions become visible in order', () => {
  const url = () => testDatabaseUrl();
  const opened: { close(): Promise<void> }[] = [];
  const subscriptions: AllSubscription[] = [];
  const event = (type: string, data: Record<string, unknown> = {}): EventToAppend => ({ id: randomUUID(), type, data });
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

  /** A store on a pool of its own: separate connections, as separate processes would have. */
  async function openStore(options: { steer?: boolean; pollIntervalMs?: number } = {}) {
    const db = await PostgresDatabase.open({ url: url(), max: 6 });
    const steerable = new SteerableDatabase(db);
    const store = await SqlEventStore.open(options.steer ? steerable : db, { ownsDatabase: true, pollIntervalMs: options.pollIntervalMs ?? 20 });
    opened.push(store);
    return { store, steerable };
  }

  function consume(subscription: AllSubscription, keep: (e: RecordedEvent) => boolean) {
    subscriptions.push(subscription);
    return readInBackground(subscription, keep, 5_000);
  }

  const increasing = (ps: bigint[]) => ps.every((p, i) => i === 0 || p > ps[i - 1]!);

  afterEach(async () => {
    await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });

  it('shows the hazard first: without the lock, a sequence hands out positions that commit out of order, and a reader skips one for good', async () => {
    const db = await PostgresDatabase.open({ url: url(), max: 2 });
    opened.push(db);
    const table = `hazard_${randomUUID().replaceAll('-', '')}`;
    await db.query(`CREATE TABLE ${table} (position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text NOT NULL)`);
    const pause = pausePoint();

    const first = db.transaction(async (tx) => {
      await tx.query(`INSERT INTO ${table} (v) VALUES ('first')`);
      await pause.hook();
    });
    await pause.reached;
    await db.query(`INSERT INTO ${table} (v) VALUES ('second')`);
    const { rows: seen } = await db.query<{ position: string; v: string }>(`SELECT position::text AS position, v FROM ${table} ORDER BY 1`);
    pause.release();
    await first;
    const { rows: after } = await db.query(`SELECT v FROM ${table} WHERE position > $1`, [seen.at(-1)!.position]);

    // A reader that read here moved its checkpoint to 2; position 1 commits after and is never read.
    expect(seen).toEqual([{ position: '2', v: 'second' }]);
    expect(after).toEqual([]);
  });

  it('makes a later appender wait while an earlier one holds its position uncommitted, so the subscriber sees both, in order', async () => {
    const { store: first, steerable } = await openStore({ steer: true });
    const { store: second } = await openStore();
    const { store: reader } = await openStore();
    const prefix = `case-${randomUUID()}`;
    const [x, y] = [`${prefix}-x`, `${prefix}-y`];
    const subscriber = consume(reader.subscribeToAll({ filter: { streamPrefix: prefix } }), () => true);
    const pause = pausePoint();
    steerable.beforeCommit = pause.hook;

    const appendX = first.appendToStream(x, [event('Opened')], 'no_stream');
    await pause.reached; // X holds a position and APPEND_LOCK, uncommitted
    let ySettled = false;
    const appendY = second.appendToStream(y, [event('Opened')], 'no_stream').finally(() => (ySettled = true));
    await sleep(300);
    const visibleMeanwhile = await reader.readAll({ filter: { streamPrefix: prefix } });
    const deliveredMeanwhile = subscriber.kept.length;
    const yCommittedMeanwhile = ySettled;
    pause.release();
    const [rx, ry] = await Promise.all([appendX, appendY]);
    await subscriber.until(2);

    expect(yCommittedMeanwhile).toBe(false);
    expect(visibleMeanwhile).toEqual([]);
    expect(deliveredMeanwhile).toBe(0);
    expect(rx.positions[0]! < ry.positions[0]!).toBe(true);
    expect(subscriber.kept.map((e) => [e.streamId, e.position])).toEqual([
      [x, rx.positions[0]],
      [y, ry.positions[0]],
    ]);
  }, 120_000);

  it('gives a transaction that started first but commits last the later position: the subscriber delivers each event once, in position order', async () => {
    const { store: first, steerable } = await openStore({ steer: true });
    const { store: second } = await openStore();
    const { store: reader } = await openStore();
    const prefix = `case-${randomUUID()}`;
    const [x, y] = [`${prefix}-x`, `${prefix}-y`];
    const subscriber = consume(reader.subscribeToAll({ filter: { streamPrefix: prefix } }), () => true);
    const pause = pausePoint();
    steerable.beforeInsert = pause.hook;

    const appendX = first.appendToStream(x, [event('Opened'), event('Noted')], 'no_stream');
    await pause.reached; // X began first: its transaction is open, no position drawn yet
    const ry = await second.appendToStream(y, [event('Opened')], 'no_stream');
    await subscriber.until(1);
    pause.release();
    const rx = await appendX;
    await subscriber.until(3);
    await sleep(100);

    expect(rx.positions[0]! > ry.positions[0]!).toBe(true);
    expect(subscriber.kept.map((e) => [e.streamId, e.revision, e.position])).toEqual([
      [y, 0n, ry.positions[0]],
      [x, 0n, rx.positions[0]],
      [x, 1n, rx.positions[1]],
    ]);
  }, 120_000);

  it('skips nothing under 8 writers on two pools whose commits are delayed at random, read by an eagerly polling subscriber', async () => {
    const { store: a, steerable } = await openStore({ steer: true });
    const { store: b } = await openStore();
    const { store: reader } = await openStore({ pollIntervalMs: 5 });
    steerable.everyCommit = () => sleep(Math.random() * 4);
    const streams = Array.from({ length: 30 }, () => `case-${randomUUID()}`);
    const ours = new Set(streams);
    const subscriber = consume(reader.subscribeToAll(), (e) => ours.has(e.streamId));
    const appended = new Map<string, bigint>();
    let planned = 0;

    await Promise.all(
      Array.from({ length: 8 }, async (_, w) => {
        const store = w % 2 === 0 ? a : b;
        for (let i = 0; planned < 300; i++) {
          const batch = Array.from({ length: 1 + ((w + i) % 5) }, () => event('Noted', { w, i }));
          planned += batch.length;
          const result = await store.appendToStream(streams[(w * 7 + i) % streams.length]!, batch, 'any');
          batch.forEach((e, k) => appended.set(e.id, result.positions[k]!));
        }
      }),
    );
    await subscriber.until(planned);
    await sleep(100);

    expect(subscriber.kept).toHaveLength(planned);
    expect(new Set(subscriber.kept.map((e) => e.id)).size).toBe(planned);
    for (const e of subscriber.kept) expect(e.position).toBe(appended.get(e.id));
    expect(increasing(subscriber.positions)).toBe(true);
    for (const stream of streams.filter((s) => subscriber.kept.some((e) => e.streamId === s))) {
      expect(verifyChain(await reader.readStream(stream))).toEqual({ ok: true });
    }
  }, 60_000);

  it('wakes a subscriber in another process through NOTIFY, well before its poll interval', async () => {
    const { store: writer } = await openStore();
    const { store: reader } = await openStore({ pollIntervalMs: 60_000 });
    const stream = `case-${randomUUID()}`;
    const subscriber = consume(reader.subscribeToAll({ filter: { streamPrefix: stream } }), () => true);
    await sleep(200); // the first (empty) read and LISTEN are done; now only a wake-up helps

    const started = Date.now();
    await writer.appendToStream(stream, [event('Opened')], 'no_stream');
    await subscriber.until(1);

    expect(Date.now() - started).toBeLessThan(2_000);
    expect(subscriber.kept.map((e) => e.streamId)).toEqual([stream]);
  }, 120_000);
});
