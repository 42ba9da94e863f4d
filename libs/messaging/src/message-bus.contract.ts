import { randomUUID } from 'node:crypto';
import type { IncomingMessage, MessageBus, Subscription } from './message-bus.port';

/**
 * The behaviour every MessageBus adapter owes its callers. Each test uses its own topics
 * and groups, so adapters backed by a shared broker need no cleanup between tests.
 */
export function messageBusContract(name: string, open: () => Promise<MessageBus>, timeoutMs = 60_000): void {
  describe(`MessageBus contract: ${name}`, () => {
    let bus: MessageBus;
    const subscriptions: Subscription[] = [];
    const unique = (what: string) => `contract.${what}.${randomUUID()}`;

    beforeAll(async () => {
      bus = await open();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await bus.close();
    });

    /** Collects what a subscriber receives until `count` messages arrived. */
    async function collect(topic: string, groupId: string, count: number, fail?: (batch: IncomingMessage[]) => boolean) {
      const received: IncomingMessage[] = [];
      let done!: () => void;
      const enough = new Promise<void>((resolve) => (done = resolve));
      subscriptions.push(
        await bus.subscribe({
          groupId,
          topics: [topic],
          fromBeginning: true,
          handleBatch: async (batch) => {
            if (fail?.(batch)) throw new Error('handler failed on purpose');
            received.push(...batch);
            if (received.length >= count) done();
          },
        }),
      );
      await enough;
      return received;
    }

    it('answers a ping', async () => {
      await expect(bus.ping()).resolves.toMatchObject({ bus: bus.kind });
    });

    it('refuses a message whose key is not a string, sending nothing of the batch', async () => {
      const topic = unique('keys');
      await bus.ensureTopics([topic]);
      const bad = [{ key: 'k', value: 'fine' }, { key: Object.create(null) as string, value: 'bad key' }];
      await expect(bus.publish(topic, bad)).rejects.toThrow('a message key is a string or null, not object');
      await bus.publish(topic, [{ key: 'k', value: 'after' }]);
      expect((await collect(topic, unique('group'), 1)).map((m) => m.value.toString())).toEqual(['after']);
    });

    it('delivers each key’s messages in publish order, with key, value and headers intact', async () => {
      const topic = unique('order');
      await bus.ensureTopics([topic]);
      const messages = Array.from({ length: 30 }, (_, i) => ({
        key: `case-${i % 3}`,
        value: JSON.stringify({ n: i }),
        headers: { 'ce_id': `evt-${i}` },
      }));
      await bus.publish(topic, messages.slice(0, 10));
      await bus.publish(topic, messages.slice(10));

      const received = await collect(topic, unique('group'), 30);

      expect(received).toHaveLength(30);
      for (const key of ['case-0', 'case-1', 'case-2']) {
        const ns = received.filter((m) => m.key === key).map((m) => JSON.parse(m.value.toString()).n);
        expect(ns).toEqual(messages.map((m, i) => (m.key === key ? i : -1)).filter((i) => i >= 0));
      }
      const first = received.find((m) => m.headers['ce_id'] === 'evt-0');
      expect(first).toMatchObject({ topic, key: 'case-0' });
      expect(first!.value.toString()).toBe('{"n":0}');
    }, timeoutMs);

    it('answers every one of many concurrent publishes and keeps a key in the order they were made', async () => {
      const topic = unique('concurrent');
      await bus.ensureTopics([topic]);
      // Sixty-four publishers at once, as at a busy gateway: most wait while a send is in flight.
      await Promise.all(Array.from({ length: 64 }, (_, i) => bus.publish(topic, [{ key: 'one-case', value: JSON.stringify({ n: i }) }])));

      const received = await collect(topic, unique('group'), 64);

      expect(received.map((m) => JSON.parse(m.value.toString()).n)).toEqual(Array.from({ length: 64 }, (_, i) => i));
    }, timeoutMs);

    it('resumes a group after its last handled message: nothing redelivered, nothing lost', async () => {
      const topic = unique('resume');
      const group = unique('group');
      await bus.ensureTopics([topic]);
      await bus.publish(topic, [1, 2, 3].map((n) => ({ key: 'k', value: String(n) })));
      const first = await collect(topic, group, 3);
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));

      await bus.publish(topic, [4, 5].map((n) => ({ key: 'k', value: String(n) })));
      const second = await collect(topic, group, 2);

      expect(first.map((m) => m.value.toString())).toEqual(['1', '2', '3']);
      expect(second.map((m) => m.value.toString())).toEqual(['4', '5']);
    }, timeoutMs * 2);

    it('delivers the same messages again when a handler fails, skipping none', async () => {
      const topic = unique('retry');
      await bus.ensureTopics([topic]);
      await bus.publish(topic, ['a', 'b', 'c'].map((v) => ({ key: 'k', value: v })));
      let failures = 0;

      const received = await collect(topic, unique('group'), 3, () => failures++ < 2);

      expect(failures).toBeGreaterThanOrEqual(2);
      expect(received.map((m) => m.value.toString())).toEqual(['a', 'b', 'c']);
    }, timeoutMs * 2);

    it('gives every group its own copy of the stream', async () => {
      const topic = unique('groups');
      await bus.ensureTopics([topic]);
      await bus.publish(topic, ['x', 'y'].map((v) => ({ key: 'k', value: v })));

      const [one, two] = await Promise.all([collect(topic, unique('a'), 2), collect(topic, unique('b'), 2)]);

      expect(one.map((m) => m.value.toString())).toEqual(['x', 'y']);
      expect(two.map((m) => m.value.toString())).toEqual(['x', 'y']);
    }, timeoutMs);

    it('starts a new group at the end of the topic unless asked for the beginning', async () => {
      const topic = unique('latest');
      await bus.ensureTopics([topic]);
      await bus.publish(topic, [{ key: null, value: 'old' }]);
      const received: string[] = [];
      let done!: () => void;
      const arrived = new Promise<void>((resolve) => (done = resolve));
      subscriptions.push(
        await bus.subscribe({
          groupId: unique('group'),
          topics: [topic],
          handleBatch: async (batch) => {
            received.push(...batch.map((m) => m.value.toString()));
            done();
          },
        }),
      );

      await bus.publish(topic, [{ key: null, value: 'new' }]);
      await arrived;

      expect(received).toEqual(['new']);
    }, timeoutMs);
  });
}
