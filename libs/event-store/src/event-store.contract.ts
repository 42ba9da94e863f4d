import { randomUUID } from 'node:crypto';
import { EventStoreError, WrongExpectedRevision } from './event-store.errors';
import { PROJECTION_GATHER_MS } from './follower';
import type { AllSubscription, AppendResult, EventStore, EventToAppend, ExpectedRevision, RecordedEvent, RecordedEventJson } from './event-store.port';
import { GENESIS_HASH, chainHash, verifyChain } from './integrity/hash-chain';

export interface EventStoreContractOptions {
  /**
   * Whether the store refuses an id already stored in another stream. EventStoreDB keeps no
   * index of event ids across streams, so its adapter cannot; the SQL adapter does.
   */
  uniqueIdsAcrossStreams?: boolean;
  timeoutMs?: number;
}

/**
 * The behaviour every EventStore adapter owes its callers. Every test writes to streams of its
 * own (`case-<uuid>`), so adapters backed by a shared server need no cleanup between tests,
 * and a test reading the global log keeps only what it wrote.
 */
export function eventStoreContract(name: string, open: () => Promise<EventStore>, options: EventStoreContractOptions = {}): void {
  const { uniqueIdsAcrossStreams = true, timeoutMs = 60_000 } = options;

  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    const subscriptions: AllSubscription[] = [];
    const newStream = () => `case-${randomUUID()}`;
    const event = (type: string, data: Record<string, unknown> = {}, metadata?: Record<string, unknown>): EventToAppend => ({
      id: randomUUID(),
      type,
      data,
      ...(metadata ? { metadata } : {}),
    });

    beforeAll(async () => {
      store = await open();
    }, timeoutMs);
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((s) => s.close()));
    });
    afterAll(async () => {
      await store?.close();
    });

    const consume = (subscription: AllSubscription, keep: (e: RecordedEvent) => boolean) => {
      subscriptions.push(subscription);
      return readInBackground(subscription, keep, timeoutMs / 2);
    };

    it('appends to a new stream with no_stream, then at its revision: revisions 0..n, hash-chained', async () => {
      const id = newStream();
      const opened = event('CaseOpened', { caseId: id, title: 'Évaluation à domicile ✓', zeta: 1, alpha: { b: [1, 2.5, 'x'], a: null } }, { correlationId: 'c-1' });
      const attached = event('DocumentAttached', { n: 1 });

      const first = await store.appendToStream(id, [opened, attached], 'no_stream');
      const second = await store.appendToStream(id, [event('CaseClosed', { reason: 'done' })], 1n);
      const events = await store.readStream(id);

      expect(first).toMatchObject({ nextExpectedRevision: 1n, revisions: [0n, 1n], duplicate: false });
      expect(second).toMatchObject({ nextExpectedRevision: 2n, revisions: [2n], duplicate: false });
      expect(first.positions[0]! < first.positions[1]! && first.positions[1]! < second.positions[0]!).toBe(true);
      expect(events.map((e) => [e.revision, e.type, e.id])).toEqual([
        [0n, 'CaseOpened', opened.id],
        [1n, 'DocumentAttached', attached.id],
        [2n, 'CaseClosed', events[2]!.id],
      ]);
      expect(events[0]).toMatchObject({ streamId: id, data: opened.data, metadata: { correlationId: 'c-1' }, prevHash: GENESIS_HASH });
      expect(events[1]!.metadata).toEqual({});
      expect(events[0]!.recordedAt).toBeInstanceOf(Date);
      expect(events.map((e) => e.position)).toEqual([...first.positions, ...second.positions]);
      expect(events.map((e) => e.hash)).toEqual([...first.hashes, ...second.hashes]);
      expect(events[0]!.hash).toBe(chainHash(GENESIS_HASH, opened.data, { correlationId: 'c-1' }));
      expect(events[2]!.prevHash).toBe(events[1]!.hash);
      expect(verifyChain(events)).toEqual({ ok: true });
    }, timeoutMs);

    it('tells the position of the newest event, which followers measure their lag against', async () => {
      const before = await store.lastPosition();
      const appended = await store.appendToStream(newStream(), [event('Noted'), event('Noted')], 'no_stream');

      const after = await store.lastPosition();
      expect(after >= appended.positions[1]! && appended.positions[1]! > before).toBe(true);
    }, timeoutMs);

    it('reads a stream forwards, backwards, from a revision and with a limit', async () => {
      const id = newStream();
      // 12 events: past 9, text order and numeric order differ.
      const ns = Array.from({ length: 12 }, (_, n) => n);
      await store.appendToStream(id, ns.slice(0, 5).map((n) => event('Noted', { n })), 'no_stream');
      await store.appendToStream(id, ns.slice(5).map((n) => event('Noted', { n })), 4n);
      const read = async (o: Parameters<EventStore['readStream']>[1]) => (await store.readStream(id, o)).map((e) => e.data['n']);

      expect(await read({})).toEqual(ns);
      expect(await read({ from: 2n })).toEqual(ns.slice(2));
      expect(await read({ from: 1n, limit: 2 })).toEqual([1, 2]);
      expect(await read({ direction: 'backwards' })).toEqual([...ns].reverse());
      expect(await read({ direction: 'backwards', from: 2n })).toEqual([2, 1, 0]);
      expect(await read({ direction: 'backwards', limit: 2 })).toEqual([11, 10]);
      expect(await read({ from: 12n })).toEqual([]);
      expect((await store.readStream(id)).map((e) => e.revision)).toEqual(ns.map(BigInt));
    }, timeoutMs);

    it('tells whether a stream exists, and refuses to read one that does not', async () => {
      const id = newStream();

      expect(await store.streamExists(id)).toBe(false);
      const missing = store.readStream(id);
      await expect(missing).rejects.toBeInstanceOf(EventStoreError);
      await expect(missing).rejects.toMatchObject({ code: 'STORE.STREAM_NOT_FOUND', retriable: false, streamId: id });
      await store.appendToStream(id, [event('CaseOpened')], 'no_stream');
      expect(await store.streamExists(id)).toBe(true);
    }, timeoutMs);

    it('records each stream’s head (last revision and hash), alone and with every other, with the position they agree with', async () => {
      const prefix = `case-heads-${randomUUID()}-`;
      const [first, second] = [`${prefix}a`, `${prefix}b`];
      await store.appendToStream(first, [event('CaseOpened'), event('ServiceRequested')], 'no_stream');
      const last = await store.appendToStream(second, [event('CaseOpened')], 'no_stream');

      expect(await store.streamHead(first)).toEqual({ revision: 1n, hash: (await store.readStream(first)).at(-1)!.hash });
      expect(await store.streamHead(`${prefix}none`)).toBeUndefined();
      const { position, heads } = await store.heads({ streamPrefix: prefix });
      expect(heads.map((h) => [h.streamId, h.revision])).toEqual([
        [first, 1n],
        [second, 0n],
      ]);
      expect(position).toBeGreaterThanOrEqual(last.positions[0]!);
    }, timeoutMs);

    it('appends to several streams at once, each answered on its own: written, refused for its revision, replayed', async () => {
      const [fresh, existing, replayed] = [newStream(), newStream(), newStream()];
      await store.appendToStream(existing, [event('CaseOpened')], 'no_stream');
      const original = [event('CaseOpened'), event('Noted')];
      const first = await store.appendToStream(replayed, original, 'no_stream');

      const outcomes = await store.appendMany([
        { streamId: fresh, events: [event('CaseOpened'), event('Noted')], expectedRevision: 'no_stream' },
        { streamId: existing, events: [event('Noted')], expectedRevision: 5n },
        { streamId: replayed, events: original, expectedRevision: 'no_stream' },
      ]);

      expect(outcomes[0]).toMatchObject({ ok: true, result: { nextExpectedRevision: 1n, duplicate: false } });
      expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'STORE.WRONG_EXPECTED_REVISION', actual: 0n } });
      expect(outcomes[2]).toEqual({ ok: true, result: { ...first, duplicate: true } });
      expect(verifyChain(await store.readStream(fresh))).toEqual({ ok: true });
      expect((await store.readStream(existing)).map((e) => e.revision)).toEqual([0n]);
      expect(await store.streamHead(fresh)).toMatchObject({ revision: 1n });
    }, timeoutMs);

    it('answers an id that two appends of one batch share as it would the two appends one after the other', async () => {
      const [first, second, third] = [newStream(), newStream(), newStream()];
      const shared = event('CaseOpened');

      const outcomes = await store.appendMany([
        { streamId: first, events: [shared, event('Noted')], expectedRevision: 'no_stream' },
        { streamId: second, events: [shared], expectedRevision: 'no_stream' },
        { streamId: third, events: [event('Noted')], expectedRevision: 'no_stream' },
      ]);

      expect(outcomes[0]).toMatchObject({ ok: true, result: { nextExpectedRevision: 1n, duplicate: false } });
      if (uniqueIdsAcrossStreams) {
        expect(outcomes[1]).toMatchObject({ ok: false, error: { code: 'STORE.DUPLICATE_EVENT_ID', eventId: shared.id, storedIn: first } });
        expect(await store.streamExists(second)).toBe(false);
      }
      expect(outcomes[2]).toMatchObject({ ok: true, result: { nextExpectedRevision: 0n, duplicate: false } });
      expect((await store.readStream(first)).map((e) => e.id)).toEqual([shared.id, expect.any(String)]);
    }, timeoutMs);

    it('runs batches over the same streams in opposite orders side by side: no deadlock, exactly one winner per revision', async () => {
      const streams = Array.from({ length: 6 }, () => newStream());
      const orders = [streams, [...streams].reverse(), streams, [...streams].reverse()];
      const results = await Promise.all(orders.map((order) => store.appendMany(order.map((streamId) => ({ streamId, events: [event('Noted')], expectedRevision: 'no_stream' as const })))));

      for (const stream of streams) {
        const outcomes = results.map((result, b) => result[orders[b]!.indexOf(stream)]!);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ok).map((o) => (o as { error: { code: string } }).error.code)).toEqual(['STORE.WRONG_EXPECTED_REVISION', 'STORE.WRONG_EXPECTED_REVISION', 'STORE.WRONG_EXPECTED_REVISION']);
        expect((await store.readStream(stream)).map((e) => e.revision)).toEqual([0n]);
      }
    }, timeoutMs);

    it('locates stored events by id, and says nothing of ids it does not hold', async () => {
      const stream = newStream();
      const stored = [event('CaseOpened'), event('Noted')];
      const result = await store.appendToStream(stream, stored, 'no_stream');
      const found = await store.locate([stored[1]!.id, 'never-stored', stored[0]!.id]);

      if (!uniqueIdsAcrossStreams) return; // no index of ids: nothing to locate
      expect(found).toEqual(
        new Map([
          [stored[0]!.id, { streamId: stream, revision: 0n, position: result.positions[0], hash: result.hashes[0] }],
          [stored[1]!.id, { streamId: stream, revision: 1n, position: result.positions[1], hash: result.hashes[1] }],
        ]),
      );
    }, timeoutMs);

    it('refuses an append whose expected revision does not hold, saying what it expected and found', async () => {
      const id = newStream();
      const conflict = (expected: ExpectedRevision, actual: bigint | 'no_stream') => ({
        code: 'STORE.WRONG_EXPECTED_REVISION',
        retriable: true,
        streamId: id,
        expected,
        actual,
      });

      await expect(store.appendToStream(id, [event('A')], 'stream_exists')).rejects.toMatchObject(conflict('stream_exists', 'no_stream'));
      await expect(store.appendToStream(id, [event('A')], 0n)).rejects.toMatchObject(conflict(0n, 'no_stream'));
      expect(await store.streamExists(id)).toBe(false);
      await store.appendToStream(id, [event('A'), event('B')], 'no_stream');
      const stale = store.appendToStream(id, [event('C')], 0n);
      await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevision);
      await expect(stale).rejects.toMatchObject(conflict(0n, 1n));
      await expect(store.appendToStream(id, [event('C')], 'no_stream')).rejects.toMatchObject(conflict('no_stream', 1n));
      await expect(store.appendToStream(id, [event('C')], 5n)).rejects.toMatchObject(conflict(5n, 1n));
      await expect(store.appendToStream(id, [event('C')], 'any')).resolves.toMatchObject({ nextExpectedRevision: 2n });
      await expect(store.appendToStream(id, [event('D')], 'stream_exists')).resolves.toMatchObject({ nextExpectedRevision: 3n });
      await expect(store.appendToStream(id, [], 3n)).resolves.toMatchObject({ nextExpectedRevision: 3n, positions: [] });
      await expect(store.appendToStream(id, [], 2n)).rejects.toMatchObject(conflict(2n, 3n));

      expect((await store.readStream(id)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D']);
    }, timeoutMs);

    it('reads all streams in position order, after a position, with a limit and filters', async () => {
      const prefix = newStream();
      const [a, b, elsewhere] = [`${prefix}-a`, `${prefix}-b`, newStream()];
      const [opened, noted] = [`Opened.${randomUUID()}`, `Noted.${randomUUID()}`];
      const a0 = await store.appendToStream(a, [event(opened), event(noted)], 'no_stream');
      await store.appendToStream(elsewhere, [event(opened)], 'no_stream');
      await store.appendToStream(b, [event(noted)], 'no_stream');
      const before = a0.positions[0]! - 1n;
      const mine = new Set([a, b, elsewhere]);
      const summary = (events: RecordedEvent[]) => events.filter((e) => mine.has(e.streamId)).map((e) => `${e.streamId.slice(-1)}${e.revision}:${e.type.split('.')[0]}`);

      const all = await store.readAll({ fromPosition: before });
      expect(summary(all)).toEqual(['a0:Opened', 'a1:Noted', `${elsewhere.slice(-1)}0:Opened`, 'b0:Noted']);
      expect(all.every((e, i) => i === 0 || e.position > all[i - 1]!.position)).toBe(true);
      expect(await store.readAll({ fromPosition: before, limit: 2 })).toEqual(all.slice(0, 2));
      expect(summary(await store.readAll({ fromPosition: a0.positions[0]!, filter: { streamPrefix: prefix } }))).toEqual(['a1:Noted', 'b0:Noted']);
      expect(summary(await store.readAll({ fromPosition: before, filter: { streamPrefix: prefix } }))).toEqual(['a0:Opened', 'a1:Noted', 'b0:Noted']);
      expect(summary(await store.readAll({ fromPosition: before, filter: { types: [noted] } }))).toEqual(['a1:Noted', 'b0:Noted']);
      expect(summary(await store.readAll({ fromPosition: before, filter: { streamPrefix: prefix, types: [opened] } }))).toEqual(['a0:Opened']);
      expect(await store.readAll({ fromPosition: before, filter: { streamPrefix: prefix }, limit: 1 })).toHaveLength(1);
      // Several prefixes: one reader of several kinds of stream, in log order.
      expect(summary(await store.readAll({ fromPosition: before, filter: { streamPrefix: [`${prefix}-b`, elsewhere] } }))).toEqual([`${elsewhere.slice(-1)}0:Opened`, 'b0:Noted']);
      expect(summary(await store.readAll({ fromPosition: before, filter: { streamPrefix: [`${prefix}-b`, elsewhere], types: [noted] } }))).toEqual(['b0:Noted']);
      // A store that reads its JSON unparsed reads the same events, the same pages and filters.
      if (store.readAllJson) {
        const parsed = (events: RecordedEventJson[]) => events.map((e) => ({ ...e, data: JSON.parse(e.data) as unknown, metadata: JSON.parse(e.metadata) as unknown }));
        const json = await store.readAllJson({ fromPosition: before });
        expect(json.every((e) => typeof e.data === 'string' && typeof e.metadata === 'string')).toBe(true);
        expect(parsed(json)).toEqual(all);
        expect(parsed(await store.readAllJson({ fromPosition: before, filter: { streamPrefix: prefix, types: [noted] }, limit: 1 }))).toEqual(await store.readAll({ fromPosition: before, filter: { streamPrefix: prefix, types: [noted] }, limit: 1 }));
      }
    }, timeoutMs);

    it('lets exactly one of 10 concurrent appenders win each revision; the others learn the actual revision', async () => {
      const id = newStream();
      let expected: ExpectedRevision = 'no_stream';
      for (let round = 0; round < 3; round++) {
        const expectedNow: ExpectedRevision = expected;
        const results: PromiseSettledResult<AppendResult>[] = await Promise.allSettled(
          Array.from({ length: 10 }, (_, writer) => store.appendToStream(id, [event('Noted', { round, writer })], expectedNow)),
        );
        const won = results.filter((r): r is PromiseFulfilledResult<AppendResult> => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');

        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        for (const r of lost) {
          expect(r.reason).toMatchObject({ code: 'STORE.WRONG_EXPECTED_REVISION', retriable: true, expected: expectedNow, actual: BigInt(round) });
        }
        expected = won[0]!.value.nextExpectedRevision;
        expect(expected).toBe(BigInt(round));
      }
      const events = await store.readStream(id);
      expect(events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
      expect(verifyChain(events)).toEqual({ ok: true });
    }, timeoutMs);

    it('treats a replayed append as done, whatever the expected revision: original positions and hashes, nothing written', async () => {
      const id = newStream();
      const batch = [event('CaseOpened', { n: 1 }), event('DocumentAttached', { n: 2 })];
      const original = await store.appendToStream(id, batch, 'no_stream');
      await store.appendToStream(id, [event('CaseClosed')], 1n);

      for (const expected of ['no_stream', 0n, 7n, 'any', 'stream_exists'] as ExpectedRevision[]) {
        await expect(store.appendToStream(id, batch, expected)).resolves.toEqual({ ...original, duplicate: true });
      }
      await expect(store.appendToStream(id, [batch[1]!], 'no_stream')).resolves.toEqual({
        nextExpectedRevision: 1n,
        revisions: [1n],
        positions: [original.positions[1]],
        hashes: [original.hashes[1]],
        duplicate: true,
      });
      expect(await store.readStream(id)).toHaveLength(3);
    }, timeoutMs);

    it('answers concurrent replays of one append with one write and the same positions for all', async () => {
      const id = newStream();
      const batch = [event('CaseOpened'), event('DocumentAttached')];

      const results = await Promise.all(Array.from({ length: 5 }, () => store.appendToStream(id, batch, 'no_stream')));

      expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
      for (const r of results) expect({ ...r, duplicate: false }).toEqual(results.find((x) => !x.duplicate));
      expect(await store.readStream(id)).toHaveLength(2);
    }, timeoutMs);

    it('refuses an id reused for another event: in another stream, with other content, partly, or twice in one batch', async () => {
      const [a, b] = [newStream(), newStream()];
      const opened = event('CaseOpened', { n: 1 });
      await store.appendToStream(a, [opened], 'no_stream');
      const duplicate = (eventId: string) => ({ code: 'STORE.DUPLICATE_EVENT_ID', retriable: false, eventId });

      if (uniqueIdsAcrossStreams) {
        await expect(store.appendToStream(b, [opened], 'any')).rejects.toMatchObject({ ...duplicate(opened.id), storedIn: a });
        expect(await store.streamExists(b)).toBe(false);
      }
      await expect(store.appendToStream(a, [{ ...opened, data: { n: 2 } }], 'any')).rejects.toMatchObject(duplicate(opened.id));
      await expect(store.appendToStream(a, [{ ...opened, type: 'CaseClosed' }], 'any')).rejects.toMatchObject(duplicate(opened.id));
      await expect(store.appendToStream(a, [opened, event('Noted')], 'any')).rejects.toMatchObject(duplicate(opened.id));
      const twice = event('Noted');
      await expect(store.appendToStream(a, [twice, twice], 'any')).rejects.toMatchObject(duplicate(twice.id));
      expect(await store.readStream(a)).toHaveLength(1);
    }, timeoutMs);

    // Also as the read models follow the log, letting commits gather before each read.
    it.each([0, PROJECTION_GATHER_MS])('delivers 8 concurrent writers’ events over 100 streams to a live subscriber (gathering %i ms): once each, in position order, revisions contiguous, chains intact', async (gatherMs) => {
      const streams = Array.from({ length: 100 }, () => newStream());
      const ours = new Set(streams);
      const subscriber = consume(store.subscribeToAll({ gatherMs }), (e) => ours.has(e.streamId));
      const appended = new Map<string, bigint>();
      const known = new Map<string, ExpectedRevision>();
      let planned = 0;

      const writer = async (w: number) => {
        for (let i = 0; planned < 400; i++) {
          const stream = streams[(w * 37 + i * 13 + planned) % streams.length]!;
          const batch = Array.from({ length: 1 + ((w + i) % 7) }, (_, k) => event('Noted', { w, i, k }));
          planned += batch.length;
          // Half the appends state the revision this writer believes in, half append at 'any'.
          let expected: ExpectedRevision = i % 2 === 0 ? 'any' : (known.get(stream) ?? 'no_stream');
          for (;;) {
            try {
              const result = await store.appendToStream(stream, batch, expected);
              known.set(stream, result.nextExpectedRevision);
              batch.forEach((e, k) => appended.set(e.id, result.positions[k]!));
              break;
            } catch (err) {
              if (!(err instanceof WrongExpectedRevision)) throw err;
              expected = err.actual;
            }
          }
        }
      };
      await Promise.all(Array.from({ length: 8 }, (_, w) => writer(w)));
      await subscriber.until(planned);
      // Room for a duplicate to show up before the subscription closes.
      await new Promise((resolve) => setTimeout(resolve, 300));
      await subscriber.close();
      await subscriber.done;

      const received = subscriber.kept;
      expect(received).toHaveLength(planned);
      expect(new Set(received.map((e) => e.id)).size).toBe(planned);
      for (const e of received) expect(e.position).toBe(appended.get(e.id));
      expect(subscriber.positions.every((p, i) => i === 0 || p > subscriber.positions[i - 1]!)).toBe(true);
      const byStream = new Map<string, RecordedEvent[]>();
      for (const e of received) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e]);
      for (const [stream, events] of byStream) {
        expect(events.map((e) => e.revision)).toEqual(events.map((_, i) => BigInt(i)));
        expect(verifyChain(events)).toEqual({ ok: true });
        expect(verifyChain(await store.readStream(stream))).toEqual({ ok: true });
      }
    }, Math.max(timeoutMs, 60_000));

    it('catches up after a position, then goes live with a filter; close ends the iteration', async () => {
      const prefix = newStream();
      const type = `Watched.${randomUUID()}`;
      const before = await store.appendToStream(`${prefix}-1`, [event('A'), event('B')], 'no_stream');
      const byPrefix = consume(store.subscribeToAll({ fromPosition: before.positions[0]!, filter: { streamPrefix: prefix } }), () => true);
      const byType = consume(store.subscribeToAll({ filter: { types: [type] } }), () => true);

      await byPrefix.until(1);
      await store.appendToStream(newStream(), [event('X'), event(type)], 'no_stream');
      await store.appendToStream(`${prefix}-2`, [event('C')], 'no_stream');
      await store.appendToStream(`${prefix}-1`, [event('D'), event(type)], 1n);
      await byPrefix.until(4);
      await byType.until(2);
      for (const s of subscriptions.splice(0)) await s.close();
      await Promise.all([byPrefix.done, byType.done]);

      expect(byPrefix.kept.map((e) => e.type)).toEqual(['B', 'C', 'D', type]);
      expect(byType.kept.map((e) => e.type)).toEqual([type, type]);
      expect(byType.kept[1]!.streamId).toBe(`${prefix}-1`);
    }, timeoutMs);

    it('lets an auditor detect a modified, a reordered and a missing event with verifyChain', async () => {
      const id = newStream();
      await store.appendToStream(id, [0, 1, 2, 3, 4].map((n) => event('Paid', { n, amount: 100 })), 'no_stream');
      const events = await store.readStream(id);
      const forged = { n: 2, amount: 1_000_000 };
      const [e0, e1, e2, e3, e4] = events as [RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent, RecordedEvent];

      expect(verifyChain(events)).toEqual({ ok: true });
      expect(verifyChain([e0, e1, { ...e2, data: forged }, e3, e4])).toEqual({ ok: false, revision: 2n, kind: 'modified' });
      // A forger who recomputes the forged event's hash breaks its successor's link instead.
      expect(verifyChain([e0, e1, { ...e2, data: forged, hash: chainHash(e2.prevHash, forged, e2.metadata) }, e3, e4])).toEqual({
        ok: false,
        revision: 2n,
        kind: 'modified',
      });
      expect(verifyChain([e0, e2, e1, e3, e4])).toEqual({ ok: false, revision: 1n, kind: 'reordered' });
      expect(verifyChain([e0, { ...e2, revision: 1n }, { ...e1, revision: 2n }, e3, e4])).toEqual({ ok: false, revision: 1n, kind: 'reordered' });
      expect(verifyChain([e0, e1, e2, e4])).toEqual({ ok: false, revision: 3n, kind: 'missing' });
      expect(verifyChain([e1, e2, e3, e4])).toEqual({ ok: false, revision: 0n, kind: 'missing' });
      // A cut-off tail is invisible without the head recorded elsewhere.
      expect(verifyChain([e0, e1, e2, e3])).toEqual({ ok: true });
      expect(verifyChain([e0, e1, e2, e3], { head: { revision: 4n, hash: e4.hash } })).toEqual({ ok: false, revision: 4n, kind: 'missing' });
      expect(verifyChain([e2, e3, e4], { from: { revision: 2n, prevHash: e1.hash } })).toEqual({ ok: true });
    }, timeoutMs);
  });
}

/**
 * Reads a subscription in the background, keeping the events `keep` selects (and every
 * position seen). `until(count)` gives up after a while rather than hanging: a skipped event
 * then fails the assertions that follow, showing what did arrive.
 */
export function readInBackground(subscription: AllSubscription, keep: (e: RecordedEvent) => boolean, deadlineMs: number) {
  const kept: RecordedEvent[] = [];
  const positions: bigint[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  const done = (async () => {
    for await (const e of subscription) {
      positions.push(e.position);
      if (!keep(e)) continue;
      kept.push(e);
      if (waiting && kept.length >= waiting.count) waiting.resolve();
    }
  })();
  const until = (count: number, withinMs = deadlineMs) =>
    Promise.race([
      kept.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, withinMs);
            waiting = {
              count,
              resolve: () => {
                clearTimeout(timer);
                resolve();
              },
            };
          }),
      done.then(() => {
        throw new Error(`the subscription ended after ${kept.length} of ${count} events`);
      }),
    ]);
  return { kept, positions, done, until, close: () => subscription.close() };
}
