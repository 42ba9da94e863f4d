import { CoalescedSends, MAX_COALESCED_BYTES } from './coalesced-sends';
import type { OutgoingMessage } from './message-bus.port';

/** A broker stand-in: records each request and answers it when told. */
class Requests {
  readonly made: Array<{ topic: string; values: string[]; answer: (err?: Error) => void }> = [];

  send = (topic: string, messages: OutgoingMessage[]): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      this.made.push({ topic, values: messages.map((m) => String(m.value)), answer: (err) => (err ? reject(err) : resolve()) });
    });
}

const message = (value: string): OutgoingMessage => ({ key: 'k', value });
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedSends', () => {
  it('sends the publishes that waited behind a request as one request, in order, and answers each', async () => {
    const requests = new Requests();
    const sends = new CoalescedSends(requests.send);
    const first = sends.publish('t', [message('a')]);
    const later = [sends.publish('t', [message('b')]), sends.publish('t', [message('c'), message('d')]), sends.publish('t', [message('e')])];
    await tick();
    expect(requests.made.map((r) => r.values)).toEqual([['a']]);

    requests.made[0]!.answer();
    await first;
    await tick();
    expect(requests.made.map((r) => r.values)).toEqual([['a'], ['b', 'c', 'd', 'e']]);
    requests.made[1]!.answer();
    await expect(Promise.all(later)).resolves.toBeDefined();
  });

  it('keeps topics apart: another topic does not wait for this one', async () => {
    const requests = new Requests();
    const sends = new CoalescedSends(requests.send);
    void sends.publish('t1', [message('a')]);
    const other = sends.publish('t2', [message('b')]);
    await tick();
    expect(requests.made.map((r) => [r.topic, r.values])).toEqual([
      ['t1', ['a']],
      ['t2', ['b']],
    ]);
    requests.made[1]!.answer();
    await expect(other).resolves.toBeUndefined();
  });

  it('sends again one by one when a coalesced request fails: only the refused publish fails', async () => {
    const requests = new Requests();
    const sends = new CoalescedSends(requests.send);
    void sends.publish('t', [message('first')]);
    const good = sends.publish('t', [message('good')]);
    const bad = sends.publish('t', [message('too large')]);
    await tick();
    requests.made[0]!.answer();
    await tick();
    expect(requests.made[1]!.values).toEqual(['good', 'too large']);
    requests.made[1]!.answer(new Error('MESSAGE_TOO_LARGE'));
    await tick();
    expect(requests.made[2]!.values).toEqual(['good']);
    requests.made[2]!.answer();
    await tick();
    expect(requests.made[3]!.values).toEqual(['too large']);
    requests.made[3]!.answer(new Error('MESSAGE_TOO_LARGE: too large alone'));
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow('too large alone');
  });

  it('splits what waited into requests of at most MAX_COALESCED_BYTES', async () => {
    const requests = new Requests();
    const sends = new CoalescedSends(requests.send);
    void sends.publish('t', [message('first')]);
    const big = 'x'.repeat(Math.floor(MAX_COALESCED_BYTES / 2));
    const all = [sends.publish('t', [message(big)]), sends.publish('t', [message(big)]), sends.publish('t', [message('small')])];
    await tick();
    requests.made[0]!.answer();
    await tick();
    expect(requests.made[1]!.values).toHaveLength(1);
    requests.made[1]!.answer();
    await tick();
    expect(requests.made[2]!.values).toEqual([big, 'small']);
    requests.made[2]!.answer();
    await expect(Promise.all(all)).resolves.toBeDefined();
  });
});
