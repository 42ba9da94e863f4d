import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { ParkingLot } from './parking-lot';
import { BatchUnavailable, isRetriable, PoisonGuard } from './poison-guard';

interface Item {
  caseId: string;
  n: number;
}

class Unavailable extends Error {
  readonly retriable = true;
  readonly code = 'BUS.UNAVAILABLE';
}

describe('PoisonGuard: bounded retries, then parked; a parked message holds back its case only', () => {
  let db: SqlDatabase;
  let lot: ParkingLot;
  let processed: string[];
  let poison: Set<string>;
  let flaky: Map<string, number>;
  let component: string;
  let tests = 0;

  const label = (i: Item) => `${i.caseId}#${i.n}`;
  const guard = () =>
    new PoisonGuard<Item>({
      component,
      lot,
      backoffMs: 1,
      maxAttempts: 3,
      process: async (items) => {
        for (const item of items) {
          if (poison.has(label(item))) throw new TypeError(`cannot read ${label(item)}`);
          const left = flaky.get(label(item)) ?? 0;
          if (left > 0) {
            flaky.set(label(item), left - 1);
            throw new Unavailable('the bus is unavailable');
          }
        }
        processed.push(...items.map(label));
      },
      describe: (item) => ({ source: { kind: 'store', position: String(item.n), streamId: `case-${item.caseId}` }, caseId: item.caseId, key: item.caseId, value: Buffer.from(JSON.stringify(item)), headers: { h: '1' } }),
      restore: (message) => JSON.parse(message.value.toString('utf8')) as Item,
    });

  // One database for the file; each test parks under a component of its own.
  beforeAll(async () => {
    db = await PgliteDatabase.open();
    lot = await ParkingLot.open(db);
  }, 60_000);
  beforeEach(() => {
    component = `test-${++tests}`;
    processed = [];
    poison = new Set();
    flaky = new Map();
  });
  afterAll(async () => {
    await db.close();
  });

  it('Given a poison message in a batch, When the batch is handled, Then it is parked with its error, attempts and bytes, its case waits behind it, other cases proceed', async () => {
    poison.add('a#20');
    const items = [
      { caseId: 'a', n: 10 },
      { caseId: 'b', n: 2 },
      { caseId: 'a', n: 20 },
      { caseId: 'b', n: 3 },
      { caseId: 'a', n: 30 },
    ];
    await guard().handle(items);

    expect(processed).toEqual(['a#10', 'b#2', 'b#3']);
    const parked = await lot.list({ component });
    expect(parked.map((p) => ({ caseId: p.caseId, value: JSON.parse(p.value.toString()) as Item, code: p.error.code, status: p.status }))).toEqual([
      { caseId: 'a', value: { caseId: 'a', n: 20 }, code: 'TypeError', status: 'parked' },
      { caseId: 'a', value: { caseId: 'a', n: 30 }, code: 'PARKED.HELD_BACK', status: 'parked' },
    ]);
    expect(parked[0]).toMatchObject({ error: { message: 'cannot read a#20', retriable: false }, attempts: 2, headers: { h: '1' }, source: { kind: 'store', position: '20' }, heldBehind: null });
    expect(parked[1]).toMatchObject({ heldBehind: parked[0]!.id, attempts: 0 });

    // Later: the case still waits, the others go on; the same batch again (after a crash, say)
    // parks nothing twice, and what came before the poison message is not held back.
    await guard().handle([{ caseId: 'a', n: 40 }, { caseId: 'b', n: 4 }]);
    await guard().handle(items);
    expect(processed.slice(3)).toEqual(['b#4', 'a#10', 'b#2', 'b#3']);
    expect((await lot.list({ component })).map((p) => p.value.toString())).toHaveLength(3);
  });

  it('Given parked messages, When the operator asks a replay and the cause is fixed, Then the case goes through in order and flows again', async () => {
    poison.add('a#1');
    await guard().handle([{ caseId: 'a', n: 1 }, { caseId: 'a', n: 2 }]);
    const [first] = await lot.list({ component });
    expect(await guard().replayRequested()).toBe(0); // nothing asked yet

    // Asked while still broken: it fails again and stays parked, the case behind it.
    await lot.requestReplay(first!.id);
    expect(await guard().replayRequested()).toBe(0);
    expect((await lot.list({ component })).map((p) => [p.status, p.attempts])).toEqual([['parked', 3], ['parked', 0]]);

    poison.clear();
    const asked = await lot.requestReplay(first!.id);
    expect(asked.map((m) => m.status)).toEqual(['replay-requested', 'replay-requested']);
    expect(await guard().replayRequested()).toBe(2);
    expect(processed).toEqual(['a#1', 'a#2']);
    expect((await lot.list({ component, status: 'waiting' }))).toEqual([]);
    await guard().handle([{ caseId: 'a', n: 3 }]);
    expect(processed).toEqual(['a#1', 'a#2', 'a#3']);
  });

  it('Given a retriable failure that clears, When the batch is handled, Then it is tried again with backoff and nothing is parked', async () => {
    flaky.set('a#1', 2);
    await guard().handle([{ caseId: 'a', n: 1 }]);
    expect(processed).toEqual(['a#1']);
    expect(await lot.list({ component })).toEqual([]);
  });

  it('Given every message failing with a retriable error (an outage), When the batch is handled, Then nothing is parked and the batch fails whole', async () => {
    flaky.set('a#1', 100);
    flaky.set('b#2', 100);
    await expect(guard().handle([{ caseId: 'a', n: 1 }, { caseId: 'b', n: 2 }])).rejects.toBeInstanceOf(BatchUnavailable);
    expect(await lot.list({ component })).toEqual([]);
  });

  it('Given a message that keeps failing retriably with nothing succeeding after it, When its tries are used, Then nothing is parked: the outage may have begun there', async () => {
    flaky.set('a#1', 100);
    await expect(guard().handle([{ caseId: 'b', n: 2 }, { caseId: 'a', n: 1 }])).rejects.toBeInstanceOf(BatchUnavailable);
    expect(await lot.list({ component })).toEqual([]);
  });

  it('Given a client that gave up after its own retries (kafkajs KafkaJSNumberOfRetriesExceeded), When it is judged, Then it counts as retriable', () => {
    const exhausted = Object.assign(new Error('Connection error: connect ECONNREFUSED'), { name: 'KafkaJSNumberOfRetriesExceeded', retriable: false });
    expect(isRetriable(exhausted)).toBe(true);
    expect(isRetriable(new Error('x', { cause: new Unavailable('down') }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('x', { cause: new Unavailable('down') }), { retriable: false }))).toBe(false);
    expect(isRetriable(new TypeError('bug'))).toBe(false);
  });

  it('Given a message that keeps failing retriably while the others after it succeed, When its tries are used, Then it is parked with its case behind it', async () => {
    flaky.set('a#1', 100);
    await guard().handle([{ caseId: 'a', n: 1 }, { caseId: 'a', n: 3 }, { caseId: 'b', n: 2 }]);
    expect(processed).toEqual(['b#2']);
    expect((await lot.list({ component })).map((p) => [p.caseId, p.error.code, p.error.retriable, p.attempts])).toEqual([
      ['a', 'BUS.UNAVAILABLE', true, 7],
      ['a', 'PARKED.HELD_BACK', false, 0],
    ]);
  });

  it('Given an outage that ends in the middle of a batch, When the rest succeeds, Then what failed during it is tried again and nothing is parked', async () => {
    // a#1 fails through the whole batch's tries and its own (the outage), then passes; b#2 after it succeeds.
    flaky.set('a#1', 6);
    await guard().handle([{ caseId: 'a', n: 1 }, { caseId: 'a', n: 3 }, { caseId: 'b', n: 2 }]);
    expect(processed).toEqual(['b#2', 'a#1', 'a#3']);
    expect(await lot.list({ component })).toEqual([]);
  });
});
