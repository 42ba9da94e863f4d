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
