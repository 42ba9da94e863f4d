import { ACCESS_DENIED, accessStreamId, caseStreamId, inboundTopic, receiptsTopic, type Receipt } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus, type OutgoingMessage } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, inboundMessage, type TestOrganization } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { ledgerComponent } from '.';

const serviceData = (provider: string) => ({ service: 'drug-premium-exemption', description: 'Assess the exemption', requestedAt: new Date().toISOString(), provider });

/**
 * The ledger in one process on the in-process bus and an in-memory PGlite: every way an
 * inbound event can be refused, each with the receipt its publisher gets and no event stored.
 */
describe('ledger: inbound events to stored events and receipts', () => {
  let target: RunningTarget;
  let bus: MessageBus;
  let store: EventStore;
  let ramq: TestOrganization;
  let mess: TestOrganization;
  const receipts: Receipt[] = [];

  beforeAll(async () => {
    // Named "hub": the in-process bus links modules of one process only.
    target = await runTarget('hub', [ledgerComponent], { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off', PASSERELLE_MAX_ENVELOPE_BYTES: '20000' });
    bus = target.app.get(MESSAGE_BUS);
    store = target.app.get(EVENT_STORE);
    const db = target.app.get<SqlDatabase>(SQL_DATABASE);
    [ramq, mess] = [await admitTestOrganization(db, ['publisher', 'subscriber']), await admitTestOrganization(db, ['publisher', 'subscriber'])];
  }, 60_000);
  afterAll(async () => {
    await target.app.close();
  });

  /** Publishes on `org`'s inbound topic and waits for the receipt of each message. */
  const listening = new Set<string>();
  async function publish(org: TestOrganization, ...messages: OutgoingMessage[]): Promise<Receipt[]> {
    if (!listening.has(org.id)) {
      listening.add(org.id);
      await bus.subscribe({
        groupId: 'test-receipts',
        topics: [receiptsTopic(org.id)],
        fromBeginning: true,
        handleBatch: async (received) => void receipts.push(...received.map((m) => JSON.parse(m.value.toString()) as Receipt)),
      });
    }
    const before = receipts.length;
    await bus.publish(inboundTopic(org.id), messages);
    const deadline = Date.now() + 30_000;
    while (receipts.length < before + messages.length) {
      if (Date.now() > deadline) throw new Error(`${receipts.length - before} of ${messages.length} receipts after 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return receipts.slice(before, before + messages.length);
  }

  const revisionOf = async (caseId: string) => ((await store.streamExists(caseStreamId(caseId))) ? (await store.readStream(caseStreamId(caseId), { direction: 'backwards', limit: 1 }))[0]!.revision : -1n);

  /** A case opened by RAMQ, with MESS invited as a contributor. */
  async function openedCase(): Promise<string> {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const open = await caseEvent(ramq.id, caseId, 'CaseOpened', { owner: ramq.id, citizen: 'cit-1', title: 'Test', openedAt: new Date().toISOString() });
    const invite = await caseEvent(ramq.id, caseId, 'ParticipantInvited', { organization: mess.id, role: 'contributor', invitedBy: ramq.id, reason: 'test' });
    const answers = await publish(ramq, await inboundMessage(ramq, open), await inboundMessage(ramq, invite));
    expect(answers.map((r) => r.status)).toEqual(['accepted', 'accepted']);
    return caseId;
  }

  it('accepts a valid signed event: receipt with revision, position and hash; the stored event carries signature and audience', async () => {
    const caseId = `case-${randomUUID().slice(0, 8)}`;
    const open = await caseEvent(ramq.id, caseId, 'CaseOpened', { owner: ramq.id, citizen: 'cit-1', title: 'Test', openedAt: new Date().toISOString() });
    const [receipt] = await publish(ramq, await inboundMessage(ramq, open));

    expect(receipt).toMatchObject({ status: 'accepted', eventId: open.id, caseId, organization: ramq.id, revision: 0, position: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const [stored] = await store.readStream(caseStreamId(caseId));
    expect(stored).toMatchObject({ id: `${ramq.id}/${open.id}`, type: 'passerelle.case.CaseOpened.v1', data: open, hash: (receipt as { hash: string }).hash });
    expect(stored!.metadata).toMatchObject({ publisher: ramq.id, audience: [ramq.id], category: 'case', signature: expect.stringMatching(/^[\w-]+\.\.[\w-]+$/) });
  });

  it('answers a redelivered event with the same receipt and stores it once', async () => {
    const caseId = await openedCase();
    const event = await caseEvent(mess.id, caseId, 'ServiceRequested', serviceData(mess.id));
    const message = await inboundMessage(mess, event);
    const [first] = await publish(mess, message);
    const [again, andAgain] = await publish(mess, message, message);

    expect(first).toMatchObject({ status: 'accepted', revision: 2 });
    expect(again).toEqual({ ...first, receivedAt: expect.any(String) });
    expect(andAgain).toEqual({ ...first, receivedAt: expect.any(String) });
    expect(await revisionOf(caseId)).toBe(2n);
  });

  it('refuses the same event id with other content (EVENT.ID_REUSED) and keeps the original; the original again still gets its receipt', async () => {
    const caseId = await openedCase();
    const event = await caseEvent(mess.id, caseId, 'ServiceRequested', serviceData(mess.id));
    const [first] = await publish(mess, await inboundMessage(mess, event));
    const altered = { ...event, data: { ...event.data, description: 'Assess something else' } };
    const [reused] = await publish(mess, await inboundMessage(mess, altered));
    const [again] = await publish(mess, await inboundMessage(mess, event));

    expect(reused).toEqual({
      eventId: event.id,
      caseId,
      organization: mess.id,
      receivedAt: expect.any(String),
      status: 'rejected',
      code: 'EVENT.ID_REUSED',
      reason: `event id ${event.id} of ${mess.id} already stands for another event of this case, with other content: a new event needs a new id`,
      errors: [{ pointer: '/id', message: expect.stringContaining('already stands for another event') }],
    });
    expect(again).toEqual({ ...first, receivedAt: expect.any(String) });
    const stored = await store.readStream(caseStreamId(caseId));
    expect(stored.map((e) => e.data)).toEqual([expect.anything(), expect.anything(), event]);
  });

  describe('refuses, says why, and stores nothing', () => {
    let caseId: string;
    let revision: bigint;
    beforeEach(async () => {
      caseId = await openedCase();
      revision = await revisionOf(caseId);
    });
    afterEach(async () => {
      expect(await revisionOf(caseId)).toBe(revision);
    });

    const service = () => caseEvent(mess.id, caseId, 'ServiceRequested', serviceData(mess.id));

    it('no token → TOKEN.MISSING', async () => {
      const message = await inboundMessage(mess, await service());
      delete message.headers!.authorization;
      expect(await publish(mess, message)).toEqual([expect.objectContaining({ status: 'rejected', code: 'TOKEN.MISSING' })]);
      // Refusals of who may publish are in the case's access log, for its owner and auditors.
      const log = await store.readStream(accessStreamId(caseId));
      expect(log.map((e) => [e.type, e.data])).toEqual([
        [ACCESS_DENIED, { action: 'publish', organization: mess.id, subject: null, status: 401, code: 'TOKEN.MISSING', reason: expect.any(String), target: expect.any(String), at: expect.any(String) }],
      ]);
      const db = target.app.get<SqlDatabase>(SQL_DATABASE);
      const { rows } = await db.query<{ code: string }>('SELECT code FROM ledger_rejections WHERE organization = $1 AND code = $2', [mess.id, 'TOKEN.MISSING']);
      expect(rows.length).toBeGreaterThan(0);
    });

    it('a token of another organization on this inbound topic → TOKEN.WRONG_ORGANIZATION', async () => {
      const message = await inboundMessage(mess, await service(), { token: await ramq.token(['publisher']) });
      expect(await publish(mess, message)).toEqual([expect.objectContaining({ code: 'TOKEN.WRONG_ORGANIZATION' })]);
    });

    it('a token without the publisher role → TOKEN.ROLE_MISSING', async () => {
      const message = await inboundMessage(mess, await service(), { token: await mess.token(['subscriber']) });
      expect(await publish(mess, message)).toEqual([expect.objectContaining({ code: 'TOKEN.ROLE_MISSING' })]);
    });

    it('an event claiming another source than its publisher → EVENT.SOURCE_MISMATCH, pointing at /source', async () => {
      const event = await caseEvent(ramq.id, caseId, 'ServiceRequested', serviceData(ramq.id));
      expect(await publish(mess, await inboundMessage(mess, event))).toEqual([
        expect.objectContaining({ code: 'EVENT.SOURCE_MISMATCH', errors: [expect.objectContaining({ pointer: '/source' })] }),
      ]);
    });

    it('no signature → SIGNATURE.MISSING; signed by another organization → SIGNATURE.KEY_UNKNOWN; tampered after signing → SIGNATURE.INVALID', async () => {
      const unsigned = await inboundMessage(mess, await service());
      delete unsigned.headers!['passerelle-signature'];
      const event = await service();
      const signedByOther = await inboundMessage(mess, event, { signer: ramq });
      const tampered = await inboundMessage(mess, event);
      tampered.value = JSON.stringify({ ...event, actor: 'agent-other' });
      expect((await publish(mess, unsigned, signedByOther, tampered)).map((r) => (r as { code: string }).code)).toEqual(['SIGNATURE.MISSING', 'SIGNATURE.KEY_UNKNOWN', 'SIGNATURE.INVALID']);
    });

    it('a schema violation → SCHEMA.INVALID with the JSON path', async () => {
      const event = await caseEvent(mess.id, caseId, 'ServiceRequested', serviceData('Not An Org'));
      expect(await publish(mess, await inboundMessage(mess, event))).toEqual([
        expect.objectContaining({ code: 'SCHEMA.INVALID', errors: [expect.objectContaining({ pointer: '/data/provider', keyword: 'pattern' })] }),
      ]);
    });

    it('an unknown type → SCHEMA.UNKNOWN_TYPE', async () => {
      const event = { ...(await service()), type: 'passerelle.case.ServiceRequested.v9', dataschema: 'urn:passerelle:schema:case:ServiceRequested:v9' };
      expect(await publish(mess, await inboundMessage(mess, event))).toEqual([expect.objectContaining({ code: 'SCHEMA.UNKNOWN_TYPE', reason: expect.stringContaining('known versions: passerelle.case.ServiceRequested.v1') })]);
    });

    it('malformed JSON → ENVELOPE.MALFORMED; oversized → ENVELOPE.TOO_LARGE, before parsing', async () => {
      const malformed = { ...(await inboundMessage(mess, await service())), value: '{"specversion": "1.0", ' };
      const oversized = { ...(await inboundMessage(mess, await service())), value: `{"pad": "${'x'.repeat(30_000)}"}` };
      expect((await publish(mess, malformed, oversized)).map((r) => (r as { code: string }).code)).toEqual(['ENVELOPE.MALFORMED', 'ENVELOPE.TOO_LARGE']);
    });

    it('an event on a case never opened → CASE.NOT_FOUND', async () => {
      const event = await caseEvent(mess.id, `case-${randomUUID().slice(0, 8)}`, 'ServiceRequested', serviceData(mess.id));
      expect(await publish(mess, await inboundMessage(mess, event))).toEqual([expect.objectContaining({ code: 'CASE.NOT_FOUND' })]);
    });

    it('a publisher that does not take part in the case → the same CASE.NOT_FOUND as for a case that does not exist, open, closed or with If-Match', async () => {
      const db = target.app.get<SqlDatabase>(SQL_DATABASE);
      const outsider = await admitTestOrganization(db, ['publisher']);
      const missing = `case-${randomUUID().slice(0, 8)}`;
      // The ledger takes up the new publisher's inbound topic within a few seconds, from its beginning.
      const onCase = await caseEvent(outsider.id, caseId, 'ServiceRequested', serviceData(outsider.id));
      const onMissing = await caseEvent(outsider.id, missing, 'ServiceRequested', serviceData(outsider.id));
      const stale = await caseEvent(outsider.id, caseId, 'ServiceRequested', serviceData(outsider.id));
      const answers = await publish(outsider, await inboundMessage(outsider, onCase), await inboundMessage(outsider, onMissing), await inboundMessage(outsider, stale, { expectedRevision: '0' }));

      const neutral = (id: string) => ({ status: 'rejected', code: 'CASE.NOT_FOUND', reason: `no case ${id} for ${outsider.id}`, errors: [{ pointer: '/caseid', message: `no case ${id} for ${outsider.id}` }] });
      expect(answers).toEqual([expect.objectContaining(neutral(caseId)), expect.objectContaining(neutral(missing)), expect.objectContaining(neutral(caseId))]);
      const close = await caseEvent(ramq.id, caseId, 'CaseClosed', { closedBy: ramq.id, closedAt: new Date().toISOString(), resolution: 'resolved' });
      expect(await publish(ramq, await inboundMessage(ramq, close))).toEqual([expect.objectContaining({ status: 'accepted' })]);
      revision += 1n;
      const onClosed = await caseEvent(outsider.id, caseId, 'ServiceRequested', serviceData(outsider.id));
      expect(await publish(outsider, await inboundMessage(outsider, onClosed))).toEqual([expect.objectContaining(neutral(caseId))]);
    }, 60_000);

    it('a participant still gets the precise reason: an observer publishing → CASE.NOT_A_PARTICIPANT', async () => {
      const db = target.app.get<SqlDatabase>(SQL_DATABASE);
      const observer = await admitTestOrganization(db, ['publisher']);
      const invite = await caseEvent(ramq.id, caseId, 'ParticipantInvited', { organization: observer.id, role: 'observer', invitedBy: ramq.id, reason: 'test' });
      expect(await publish(ramq, await inboundMessage(ramq, invite))).toEqual([expect.objectContaining({ status: 'accepted' })]);
      revision += 1n;
      const event = await caseEvent(observer.id, caseId, 'ServiceRequested', serviceData(observer.id));
      expect(await publish(observer, await inboundMessage(observer, event))).toEqual([expect.objectContaining({ code: 'CASE.NOT_A_PARTICIPANT', reason: `${observer.id} is an observer of this case: it receives events but does not publish` })]);
    }, 60_000);

    it('decisions granted without the citizen’s consent → CASE.CONSENT_MISSING', async () => {
      const grant = await caseEvent(ramq.id, caseId, 'AccessGranted', { organization: mess.id, categories: ['decisions'], purpose: 'test', grantedBy: ramq.id });
      expect(await publish(ramq, await inboundMessage(ramq, grant))).toEqual([expect.objectContaining({ code: 'CASE.CONSENT_MISSING' })]);
    });

    it('a stale expected revision → CASE.REVISION_CONFLICT; a garbled one → MESSAGE.INVALID_HEADER', async () => {
      const stale = await inboundMessage(mess, await service(), { expectedRevision: '0' });
      const garbled = await inboundMessage(mess, await service(), { expectedRevision: 'latest' });
      expect((await publish(mess, stale, garbled)).map((r) => (r as { code: string }).code)).toEqual(['CASE.REVISION_CONFLICT', 'MESSAGE.INVALID_HEADER']);
    });

    it('anything but an annotation on a closed case → CASE.CLOSED', async () => {
      const close = await caseEvent(ramq.id, caseId, 'CaseClosed', { closedBy: ramq.id, closedAt: new Date().toISOString(), resolution: 'resolved' });
      expect(await publish(ramq, await inboundMessage(ramq, close))).toEqual([expect.objectContaining({ status: 'accepted' })]);
      revision += 1n;
      expect(await publish(mess, await inboundMessage(mess, await service()))).toEqual([expect.objectContaining({ code: 'CASE.CLOSED' })]);
    });
  });

  it('keeps every rejection in the rejection log, with its receipt and the message it came from', async () => {
    const db = target.app.get<SqlDatabase>(SQL_DATABASE);
    const { rows } = await db.query<{ code: string; message: { topic: string } }>('SELECT code, message FROM ledger_rejections WHERE organization = $1', [mess.id]);
    expect(rows.map((r) => r.code)).toEqual(expect.arrayContaining(['TOKEN.MISSING', 'SCHEMA.INVALID', 'CASE.NOT_FOUND', 'CASE.CLOSED']));
    expect(rows[0]!.message.topic).toBe(inboundTopic(mess.id));
  });
});
