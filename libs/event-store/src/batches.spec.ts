import { batchesOf } from './batches';

async function* source(items: Array<number | 'pause'>) {
  for (const item of items) {
    if (item === 'pause') await new Promise((r) => setTimeout(r, 50));
    else yield item;
  }
}

describe('batchesOf', () => {
  it('fills batches up to max from what is ready, cuts them when the source pauses, and loses nothing', async () => {
    const batches: number[][] = [];
    for await (const batch of batchesOf(source([1, 2, 3, 4, 5, 'pause', 6, 7, 'pause', 8]), 3, 10)) batches.push(batch);
    expect(batches).toEqual([[1, 2, 3], [4, 5], [6, 7], [8]]);
  });

  it('ends the source when the consumer stops early', async () => {
    let ended = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        ended = true;
      }
    }
    for await (const batch of batchesOf(endless(), 2, 10)) {
      expect(batch).toEqual([0, 1]);
      break;
    }
    expect(ended).toBe(true);
  });
});
