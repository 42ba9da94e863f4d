import { caseStreamId } from '@passerelle/contracts';
import { PgliteDatabase } from '@passerelle/database';
import { SqlEventStore, WrongExpectedRevision, type EventStore, type StreamAppend } from '@passerelle/event-store';
import { caseEvent } from '@passerelle/testing';
import { CaseRepository } from './case-repository';
import { RecordCaseEvents, type Submission } from './record-case-events.command';
import { MAX_ATTEMPTS, RecordCaseEventsHandler } from './record-case-events.handler';

/**
 * A case another writer moves on every time, before this ledger can append: after its
 * bounded retries the ledger gives up with CASE.REVISION_CONFLICT, and stores nothing.
 */
describe('RecordCaseEventsHandler under a case that keeps moving', () => {
  it('retries a bounded number of times, then refuses with CASE.REVISION_CONFLICT and stores nothing', async () => {
    const store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    const caseId = 'case-hot';
    const open = await caseEvent('qc.ramq', caseId, 'CaseOpened', { owner: 'qc.ramq', citizen: 'cit-1', title: 'Hot', openedAt: new Date().toISOString() });
    let attempts = 0;
    // Every append finds the case moved on: another writer always gets there first.
    const contended: EventStore = Object.assign(Object.create(store) as EventStore, {
      appendToStream: async (streamId: string) => {
        attempts += 1;
        throw new WrongExpectedRevision(streamId, 'no_stream', 7n);
      },
      appendMany: async (appends: readonly StreamAppend[]) => {
        attempts += 1;
        return appends.map((a) => ({ ok: false as const, error: new WrongExpectedRevision(a.streamId, a.expectedRevision, 7n) }));
      },
    });
    const handler = new RecordCaseEventsHandler(contended, new CaseRepository(contended));
    const submission: Submission = { envelope: open, signature: 'sig', publisher: 'qc.ramq', publishedBy: 'qc.ramq/agent', category: 'case', receivedAt: new Date().toISOString() };

    const [outcomes] = await handler.execute(new RecordCaseEvents([{ caseId, submissions: [submission] }]));

    expect(outcomes).toEqual([{ status: 'rejected', code: 'CASE.REVISION_CONFLICT', reason: expect.stringContaining(`${MAX_ATTEMPTS} attempts`) }]);
    expect(attempts).toBe(1 + MAX_ATTEMPTS); // the batch's append, then the case alone
    expect(await store.streamExists(caseStreamId(caseId))).toBe(false);
    await store.close();
  });
});

/**
 * The store's `locate` may find nothing (EventStoreDB keeps no index of ids), or miss an event
 * another ledger stored a moment ago: the ledger then learns of it from the case's tail or from
 * the append, and must still answer a redelivery with its original receipt, refuse a reused
 * id, and never loop.
 */
describe.each([
  ['finds nothing and says so (as EventStoreDB)', false],
  ['misses events stored meanwhile (a race)', true],
])('RecordCaseEventsHandler on a store whose locate %s', (_name, locatesAll) => {
  const caseId = 'case-esdb-like';
  let store: SqlEventStore;
  let appends: number;
  let handler: RecordCaseEventsHandler;
  let open: Awaited<ReturnType<typeof caseEvent>>;
  let request: Awaited<ReturnType<typeof caseEvent>>;
  const submissionOf = (envelope: typeof open, receivedAt = new Date().toISOString()): Submission => ({ envelope, signature: 'sig', publisher: 'qc.ramq', publishedBy: 'qc.ramq/agent', category: 'case', receivedAt });
  const record = async (...submissions: Submission[]) => (await handler.execute(new RecordCaseEvents([{ caseId, submissions }])))[0]!;

  beforeEach(async () => {
    store = await SqlEventStore.open(await PgliteDatabase.open(), { ownsDatabase: true });
    appends = 0;
    // A loop would show as appends without end: give up loudly well before.
    const count = () => {
      if (++appends > 20) throw new Error('the ledger keeps appending the same events');
    };
    const locatesNothing: EventStore = Object.assign(Object.create(store) as EventStore, {
      locatesAll,
      locate: async () => new Map(),
      appendToStream: async (...args: Parameters<EventStore['appendToStream']>) => (count(), store.appendToStream(...args)),
      appendMany: async (...args: Parameters<EventStore['appendMany']>) => (count(), store.appendMany(...args)),
    });
    handler = new RecordCaseEventsHandler(locatesNothing, new CaseRepository(locatesNothing));
    open = await caseEvent('qc.ramq', caseId, 'CaseOpened', { owner: 'qc.ramq', citizen: 'cit-1', title: 'ESDB-like', openedAt: new Date().toISOString() });
    request = await caseEvent('qc.ramq', caseId, 'ServiceRequested', { service: 'svc', description: 'd', requestedAt: new Date().toISOString(), provider: 'qc.ramq' });
    expect(await record(submissionOf(open))).toEqual([expect.objectContaining({ status: 'accepted', revision: 0n })]);
  });
  afterEach(async () => {
    await store.close();
  });

  it('answers the very same append again with its original outcome: one event stored, a bounded number of appends', async () => {
    const submission = submissionOf(request);
    const [first] = await record(submission);
    const [again] = await record(submission);

    expect(first).toMatchObject({ status: 'accepted', revision: 1n });
    expect(again).toEqual(first);
    expect(await store.readStream(caseStreamId(caseId))).toHaveLength(2);
    expect(appends).toBeLessThanOrEqual(4);
  });

  // In a race the case is read before the other ledger's commit, so the decider never sees the
  // stored CaseOpened: only a store that cannot locate has it answered from the case's tail.
  const redelivered: Array<[string, () => typeof open]> = [['a case event any participant may repeat', () => request]];
  if (!locatesAll) redelivered.push(['the CaseOpened itself, which the case as it stands would refuse', () => open]);
  it.each(redelivered)('answers a redelivery (same envelope, received again later) of %s with its original receipt', async (_what, envelope) => {
    const [first] = envelope() === open ? [undefined] : await record(submissionOf(envelope(), '2026-12-01T10:00:00.000Z'));
    const [again] = await record(submissionOf(structuredClone(envelope()), '2026-12-01T10:05:00.000Z'));

    const original = (await store.readStream(caseStreamId(caseId))).find((e) => e.id === `qc.ramq/${envelope().id}`)!;
    expect(again).toEqual({ status: 'accepted', revision: original.revision, position: original.position, hash: original.hash });
    if (first) expect(again).toEqual(first);
    expect(await store.readStream(caseStreamId(caseId))).toHaveLength(envelope() === open ? 1 : 2);
  });

  it('refuses the same event id with other content: EVENT.ID_REUSED, nothing stored', async () => {
    await record(submissionOf(request));
    const [altered] = await record(submissionOf({ ...request, data: { ...request.data, description: 'Altered' } }));

    expect(altered).toEqual({ status: 'rejected', code: 'EVENT.ID_REUSED', reason: `event id ${request.id} of qc.ramq already stands for another event of this case, with other content: a new event needs a new id`, pointer: '/id' });
    const stored = await store.readStream(caseStreamId(caseId));
    expect(stored.map((e) => (e.data as { data: { description?: string } }).data.description)).toEqual([undefined, 'd']);
  });
});
