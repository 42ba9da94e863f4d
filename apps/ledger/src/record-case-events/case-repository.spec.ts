import { PgliteDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { CaseRepository, type LoadedCase } from './case-repository';

const loaded = (ids: number): LoadedCase => ({
  state: { status: 'unopened' },
  revision: BigInt(ids - 1),
  stored: new Map(Array.from({ length: ids }, (_, i) => [`org/evt-${i}`, { revision: BigInt(i), position: BigInt(i + 1), hash: 'h' }])),
});

describe('CaseRepository cache', () => {
  it('holds at most its capacity in event ids, dropping the least recently used cases first', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const cases = new CaseRepository(store, 100);
    cases.remember('a', loaded(40));
    cases.remember('b', loaded(40));
    await cases.load('a'); // a is now the most recently used
    cases.remember('c', loaded(40)); // 120 ids: b goes

    expect((await cases.load('a')).stored.size).toBe(40);
    expect((await cases.load('c')).stored.size).toBe(40);
    expect((await cases.load('b')).revision).toBe(-1n); // read again from the store, where it is empty
    cases.remember('huge', loaded(150));
    expect((await cases.load('huge')).revision).toBe(-1n); // larger than the whole cache: never held
    await store.close();
  });
});
