import { PgliteDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { CaseRepository, type LoadedCase } from './case-repository';

const at = (revision: bigint): LoadedCase => ({ state: { status: 'unopened' }, revision });

describe('CaseRepository cache', () => {
  it('holds at most its capacity in cases, dropping the least recently used first', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const cases = new CaseRepository(store, 2);
    cases.remember('a', at(3n));
    cases.remember('b', at(4n));
    await cases.load('a'); // a is now the most recently used
    cases.remember('c', at(5n)); // b goes

    expect((await cases.load('a')).revision).toBe(3n);
    expect((await cases.load('c')).revision).toBe(5n);
    expect((await cases.load('b')).revision).toBe(-1n); // read again from the store, where it is empty
    cases.forget('c');
    expect((await cases.load('c')).revision).toBe(-1n);
    await store.close();
  });
});
