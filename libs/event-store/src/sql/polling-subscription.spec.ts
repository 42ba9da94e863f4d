import type { RecordedEvent } from '../event-store.port';
import { PollingSubscription } from './polling-subscription';

const recorded = (n: number): RecordedEvent => ({
  streamId: 'case-1',
  id: `evt-${n}`,
  type: 'Noted',
  data: { n },
  metadata: {},
  revision: BigInt(n - 1),
  position: BigInt(n),
  prevHash: '0'.repeat(64),
  hash: '0'.repeat(64),
  recordedAt: new Date(0),
});

/** A log in memory read as the SQL store reads it (after a position, a page at a time), each read counted. */
function subscribed(gatherMs: number | undefined) {
  const log: RecordedEvent[] = [];
  const reads: bigint[] = [];
  const subscription = new PollingSubscription(
    async (after, limit) => {
      reads.push(after);
      return log.filter((e) => e.position > after).slice(0, limit);
    },
    0n,
    { pageSize: 100, pollIntervalMs: 60_000, gatherMs },
    () => undefined,
  );
  const received: bigint[] = [];
  const iterating = (async () => {
    for await (const event of subscription) received.push(event.position);
  })();
  return { log, reads, subscription, received, iterating };
}

describe('a polling subscription live: how commits that come one after another are read', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** Five commits 4 ms apart, each waking the subscription as an append does. */
  async function fiveCommits({ log, subscription }: ReturnType<typeof subscribed>): Promise<void> {
    await jest.advanceTimersByTimeAsync(0);
    for (let n = 1; n <= 5; n++) {
      log.push(recorded(n));
      subscription.poke();
      await jest.advanceTimersByTimeAsync(4);
    }
    await jest.advanceTimersByTimeAsync(100);
  }

  it('Given no gather, When five commits come 4 ms apart, Then each is read as it is woken: one read per commit', async () => {
    const s = subscribed(undefined);
    await fiveCommits(s);
    expect(s.received).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(s.reads).toEqual([0n, 0n, 1n, 2n, 3n, 4n]);
    await s.subscription.close();
    await s.iterating;
  });

  it('Given a gather of 25 ms, When five commits come 4 ms apart, Then one read takes them all, in order, each once', async () => {
    const s = subscribed(25);
    await fiveCommits(s);
    expect(s.received).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(s.reads).toEqual([0n, 0n]);
    await s.subscription.close();
    await s.iterating;
  });

  it('Given a subscription gathering, When it is closed, Then the iteration ends at once, without waiting out the gather', async () => {
    const s = subscribed(60_000);
    await jest.advanceTimersByTimeAsync(0);
    s.log.push(recorded(1));
    s.subscription.poke();
    await jest.advanceTimersByTimeAsync(1);
    await s.subscription.close();
    await s.iterating;
    expect(s.reads).toEqual([0n]);
  });
});
