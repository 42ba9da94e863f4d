import { InMemoryBus } from './in-memory/in-memory-bus';
import type { IncomingMessage } from './message-bus.port';
import { subscribeToTopicSet } from './topic-set-subscription';

const until = async (check: () => boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('subscribeToTopicSet', () => {
  it('follows a growing set of topics without losing or repeating a committed message', async () => {
    const bus = new InMemoryBus();
    const topics = ['t.a'];
    const seen: string[] = [];
    await bus.publish('t.a', [{ key: null, value: 'a1' }]);
    const subscription = await subscribeToTopicSet(bus, {
      groupId: 'g',
      topics: () => topics,
      fromBeginning: true,
      refreshMs: 10,
      handleBatch: async (messages: IncomingMessage[]) => void seen.push(...messages.map((m) => `${m.topic}:${m.value.toString()}`)),
    });
    await until(() => seen.length === 1);

    await bus.publish('t.b', [{ key: null, value: 'b1' }]);
    topics.push('t.b');
    await bus.publish('t.a', [{ key: null, value: 'a2' }]);
    await until(() => seen.length === 3);
    await subscription.close();
    await bus.publish('t.a', [{ key: null, value: 'after close' }]);
    await new Promise((r) => setTimeout(r, 30));

    expect(seen.sort()).toEqual(['t.a:a1', 't.a:a2', 't.b:b1']);
    await bus.close();
  });
});
