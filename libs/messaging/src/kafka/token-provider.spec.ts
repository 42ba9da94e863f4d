import { refreshingToken } from './token-provider';

describe('refreshingToken', () => {
  it('given a token with most of its life left, when asked again, then the same token comes back without a fetch', async () => {
    let now = 0;
    let fetches = 0;
    const token = refreshingToken(async () => ({ value: `t${++fetches}`, expiresAt: now + 100_000 }), { clock: () => now });
    expect((await token()).value).toBe('t1');
    now = 79_000;
    expect((await token()).value).toBe('t1');
    expect(fetches).toBe(1);
  });

  it('given a token past 80 % of its life, when asked, then a fresh one is fetched before it expires', async () => {
    let now = 0;
    let fetches = 0;
    const token = refreshingToken(async () => ({ value: `t${++fetches}`, expiresAt: now + 100_000 }), { clock: () => now });
    await token();
    now = 80_001;
    expect((await token()).value).toBe('t2');
  });

  it('given callers asking at once, then they share one fetch', async () => {
    let fetches = 0;
    const token = refreshingToken(async () => ({ value: `t${++fetches}`, expiresAt: Date.now() + 60_000 }));
    const values = await Promise.all([token(), token(), token()]);
    expect(values.map((v) => v.value)).toEqual(['t1', 't1', 't1']);
  });

  it('given a failed fetch, when asked again, then it fetches again rather than keeping the failure', async () => {
    let fail = true;
    const token = refreshingToken(async () => {
      if (fail) throw new Error('token endpoint down');
      return { value: 'ok', expiresAt: Date.now() + 60_000 };
    });
    await expect(token()).rejects.toThrow('token endpoint down');
    fail = false;
    expect((await token()).value).toBe('ok');
  });
});
