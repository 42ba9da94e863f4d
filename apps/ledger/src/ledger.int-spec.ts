import { caseStreamId, inboundTopic, receiptsTopic, type Receipt } from '@passerelle/contracts';
import { PostgresDatabase } from '@passerelle/database';
import { SqlEventStore } from '@passerelle/event-store';
import { KafkaBus, type OutgoingMessage } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, createScratchDatabase, inboundMessage, grantHubServices, testKafkaConnection, testKafkaEnv, type ScratchDatabase, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { ledgerComponent } from '.';

/** The ledger as its own target on the real broker and PostgreSQL, driven as a ministry would. */
describe('ledger on Kafka and PostgreSQL', () => {
  let scratch: ScratchDatabase;
  let db: PostgresDatabase;
  let target: RunningTarget;
  let ministry: KafkaBus;
  let ramq: TestOrganization;
  let mess: TestOrganization;
  const receipts: Receipt[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    db = await PostgresDatabase.open({ url: scratch.url });
    ramq = await admitTestOrganization(db, ['publisher', 'subscriber']);
    mess = await admitTestOrganization(db, ['publisher', 'subscriber']);
    const groupPrefix = `test-${randomUUID()}`;
    await grantHubServices(groupPrefix);
    target = await runTarget('ledger', [ledgerComponent], {
      ...testKafkaEnv(),
      DATABASE_URL: scratch.url,
      PASSERELLE_GROUP_PREFIX: groupPrefix,
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    ministry = new KafkaBus(testKafkaConnection(undefined, 'test-ministry'));
    await ministry.subscribe({
      groupId: `test-receipts-${randomUUID()}`,
      topics: [receiptsTopic(ramq.id), receiptsTopic(mess.id)],
      fromBeginning: true,
      handleBatch: async (messages) => void receipts.push(...messages.map((m) => JSON.parse(m.value.toString()) as Receipt)),
    });
  }, 90_000);
  afterAll(async () => {
    await ministry?.close();
    await target?.app.close();
    await db?.close();
    await scratch?.drop();
  });

  async function publish(org: TestOrganization, ...messages: OutgoingMessage[]): Promise<Receipt[]> {
    const before = receipts.length;
    await ministry.publish(inboundTopic(org.id), messages);
    const deadline = Date.now() + 30_000;
    while (receipts.length < before + messages.length) {
      if (Date.now() > deadline) throw new Error(`${receipts.length - before} of ${messages.length} receipts after 30 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return receipts.slice(before, before + messages.length);
  }

  it('turns signed inbound events into stored events and receipts; a redelivery gets the same receipt and no second event', async () => {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const open = await caseEvent(ramq.id, caseId, 'CaseOpened', { owner: ramq.id, citizen: 'cit-1', title: 'Kafka', openedAt: new Date().toISOString() });
    const invite = await caseEvent(ramq.id, caseId, 'ParticipantInvited', { organization: mess.id, role: 'contributor', invitedBy: ramq.id, reason: 'test' });
    const outsider = await caseEvent(mess.id, `case-${randomUUID().slice(0, 8)}`, 'CaseClosed', { closedBy: mess.id, closedAt: new Date().toISOString(), resolution: 'resolved' });
    const openMessage = await inboundMessage(ramq, open);

    const [opened, invited] = await publish(ramq, openMessage, await inboundMessage(ramq, invite));
    const [refused] = await publish(mess, await inboundMessage(mess, outsider));
    const [again] = await publish(ramq, openMessage);

    expect(opened).toMatchObject({ status: 'accepted', eventId: open.id, revision: 0 });
    expect(invited).toMatchObject({ status: 'accepted', eventId: invite.id, revision: 1 });
    expect(refused).toMatchObject({ status: 'rejected', code: 'CASE.NOT_FOUND', organization: mess.id });
    expect(again).toMatchObject({ status: 'accepted', revision: 0, position: (opened as { position: number }).position, hash: (opened as { hash: string }).hash });

    const store = await SqlEventStore.open(db);
    const stored = await store.readStream(caseStreamId(caseId));
    expect(stored.map((e) => [e.revision, e.type])).toEqual([
      [0n, 'passerelle.case.CaseOpened.v1'],
      [1n, 'passerelle.case.ParticipantInvited.v1'],
    ]);
    expect(stored[1]!.metadata).toMatchObject({ publisher: ramq.id, audience: [mess.id, ramq.id].sort() });
    await store.close();
  }, 90_000);
});
