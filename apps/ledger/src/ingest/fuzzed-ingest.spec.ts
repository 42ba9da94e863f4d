import fc from 'fast-check';
import { ACCESS_STREAM_PREFIX, inboundTopic, receiptsTopic, type Receipt } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { MESSAGE_BUS, type MessageBus, type OutgoingMessage } from '@passerelle/messaging';
import { runTarget, type RunningTarget } from '@passerelle/platform';
import { admitTestOrganization, caseEvent, inboundMessage, type TestOrganization } from '@passerelle/testing';
import { ledgerComponent } from '..';

/**
 * Fuzzed ingest: random bytes, random JSON, valid signed envelopes broken one field at a time,
 * huge strings, deep nesting, invalid UTF-8, duplicate keys. Whatever arrives, the publisher
 * gets a rejection receipt with a code and a reason, the ledger keeps going, and nothing is
 * stored.
 */
describe('ledger: fuzzed inbound messages', () => {
  let target: RunningTarget;
  let bus: MessageBus;
  let store: EventStore;
  let org: TestOrganization;
  let token: string;
  const receipts: Receipt[] = [];

  beforeAll(async () => {
    target = await runTarget('hub', [ledgerComponent], { PASSERELLE_DATA_DIR: 'memory://', PORT: '0', LOG_LEVEL: 'silent', PASSERELLE_DEMO_FEDERATION: 'off', PASSERELLE_MAX_ENVELOPE_BYTES: '65536' });
    bus = target.app.get(MESSAGE_BUS);
    store = target.app.get(EVENT_STORE);
    org = await admitTestOrganization(target.app.get<SqlDatabase>(SQL_DATABASE), ['publisher']);
    token = `Bearer ${await org.token(['publisher'], 3_600)}`;
    await bus.subscribe({
      groupId: 'fuzz-receipts',
      topics: [receiptsTopic(org.id)],
      fromBeginning: true,
      handleBatch: async (messages) => void receipts.push(...messages.map((m) => JSON.parse(m.value.toString()) as Receipt)),
    });
  }, 60_000);
  afterAll(async () => {
    await target.app.close();
  });

  async function receiptFor(message: OutgoingMessage): Promise<Receipt> {
    const before = receipts.length;
    await bus.publish(inboundTopic(org.id), [message]);
    const deadline = Date.now() + 30_000;
    while (receipts.length === before) {
      if (Date.now() > deadline) throw new Error('no receipt within 30 s: the ledger stopped answering');
      await new Promise((r) => setTimeout(r, 2));
    }
    return receipts[before]!;
  }

  const raw = (value: Buffer | string, headers: Record<string, string> = {}): OutgoingMessage => ({
    key: 'fuzz',
    value,
    headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8', authorization: token, ...headers },
  });

  async function expectRefused(message: OutgoingMessage): Promise<void> {
    const receipt = await receiptFor(message);
    expect(receipt).toMatchObject({ status: 'rejected', code: expect.stringMatching(/^[A-Z]+\.[A-Z_]+$/), reason: expect.stringMatching(/\S/) });
  }

  afterEach(async () => {
    // Nothing fuzzed ever reaches a case: only the access log, where refused publishes
    // (a bad token or signature) are kept as denials for the audit.
    expect((await store.heads()).heads.filter((h) => !h.streamId.startsWith(ACCESS_STREAM_PREFIX))).toEqual([]);
  });

  it('refuses random bytes', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), async (bytes) => expectRefused(raw(Buffer.from(bytes)))), { numRuns: 100 });
  }, 60_000);

  it('refuses random JSON documents, signed or not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), async (value, signed) => {
        const signature: Record<string, string> = signed && typeof value === 'object' && value !== null ? { 'passerelle-signature': await org.sign(value) } : {};
        await expectRefused(raw(JSON.stringify(value) ?? 'null', signature));
      }),
      { numRuns: 100 },
    );
  }, 60_000);

  it('refuses a valid envelope with one attribute of the wrong type, even correctly signed', async () => {
    const attributes = ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema', 'caseid', 'channel', 'actor', 'dataclassification', 'data'] as const;
    // Values JSON can carry: a publisher cannot send (nor sign) NaN or Infinity.
    const wrong = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...attributes), wrong, fc.boolean(), async (attribute, value, remove) => {
        const envelope: Record<string, unknown> = { ...(await caseEvent(org.id, 'case-fuzz', 'ServiceRequested', { service: 's', description: 'd', requestedAt: new Date().toISOString(), provider: org.id })) };
        if (remove) delete envelope[attribute];
        else if (!(attribute === 'data' && typeof value === 'object' && value !== null && !Array.isArray(value))) envelope[attribute] = value;
        else envelope.data = { ...(value as object), unexpected: true };
        await expectRefused(await inboundMessage(org, envelope, { token: token.slice(7) }));
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('answers a message whose key no database could store (a NUL byte) like any other, and keeps going', async () => {
    const valid = await caseEvent(org.id, 'case-fuzz', 'ServiceRequested', { service: 'fuzz', description: 'd', requestedAt: new Date().toISOString(), provider: org.id });
    const message = { ...(await inboundMessage(org, { ...valid, caseid: 'case-\u0000-nul' })), key: 'case-\u0000-nul' };
    expect(await receiptFor(message)).toMatchObject({ status: 'rejected', code: 'SCHEMA.INVALID', caseId: 'case-\uFFFD-nul' });
    expect(await receiptFor(raw('{}'))).toMatchObject({ status: 'rejected', code: 'EVENT.SOURCE_MISMATCH' });
  }, 60_000);

  it('refuses huge strings, deep nesting, invalid UTF-8 and duplicate keys, each saying so', async () => {
    const valid = await caseEvent(org.id, 'case-fuzz', 'ServiceRequested', { service: 's', description: 'd', requestedAt: new Date().toISOString(), provider: org.id });
    const huge = { ...valid, actor: 'x'.repeat(100_000) };
    expect(await receiptFor(raw(JSON.stringify(huge), { 'passerelle-signature': await org.sign(huge) }))).toMatchObject({ code: 'ENVELOPE.TOO_LARGE' });

    const deep = `${'['.repeat(20_000)}"bottom"${']'.repeat(20_000)}`;
    expect(await receiptFor(raw(JSON.stringify({ ...valid, data: 'DEEP' }).replace('"DEEP"', deep)))).toMatchObject({ code: 'ENVELOPE.MALFORMED', reason: expect.stringContaining('deeper than') });

    const text = JSON.stringify(valid);
    const invalidUtf8 = Buffer.concat([Buffer.from(text.slice(0, 20)), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(text.slice(20))]);
    expect(await receiptFor(raw(invalidUtf8))).toMatchObject({ code: 'ENVELOPE.MALFORMED', reason: expect.stringContaining('UTF-8') });

    const duplicated = text.replace('"id":', '"id":"evt-first","id":');
    expect(await receiptFor(raw(duplicated, { 'passerelle-signature': await org.sign(valid) }))).toMatchObject({ code: 'ENVELOPE.MALFORMED', reason: expect.stringContaining('"id" appears twice') });
  }, 60_000);
});
