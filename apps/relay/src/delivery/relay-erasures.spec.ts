import { CitizenDirectory } from '@passerelle/citizens';
import { caseStreamId, outboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import type { MessageBus, OutgoingMessage } from '@passerelle/messaging';
import { Metrics } from '@passerelle/metrics';
import { loadConfig } from '@passerelle/platform';
import { CitizenKeys, CITIZEN_DATA_ERASED, Eraser, erasureStreamId, LocalKeyFile } from '@passerelle/privacy';
import { caseEvent, storedCaseEvent } from '@passerelle/testing';
import { Relay } from './relay';

/** An erasure reaches every organization that received any of the citizen's cases, each naming the citizen as it knows them. */
describe('the relay tells organizations of an erasure', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let citizens: CitizenDirectory;
  let keys: CitizenKeys;
  const sent = new Map<string, OutgoingMessage[]>();
  const bus = { kind: 'kafka', publish: async (topic: string, messages: OutgoingMessage[]) => void sent.set(topic, [...(sent.get(topic) ?? []), ...messages]) } as unknown as MessageBus;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    store = await SqlEventStore.open(db);
    citizens = await CitizenDirectory.open(db);
    keys = await CitizenKeys.open(db, LocalKeyFile.ephemeral());
  });
  afterAll(async () => {
    await db.close();
  });

  /** A case the single window opened for `citizen`, its events seen by these audiences in turn. */
  async function caseOf(caseId: string, citizen: string, ...audiences: string[][]): Promise<void> {
    const events = [];
    for (const [i, audience] of audiences.entries()) {
      const envelope: CaseEventEnvelope =
        i === 0
          ? await caseEvent('qc.window', caseId, 'CaseOpened', { owner: 'qc.window', citizen, title: 't', openedAt: new Date().toISOString() })
          : await caseEvent('qc.window', caseId, 'ParticipantInvited', { organization: audience.at(-1)!, role: 'observer', invitedBy: 'qc.window', reason: 'r' });
      const stored = storedCaseEvent('qc.window', envelope, audience);
      events.push({ ...stored, metadata: { ...stored.metadata, audience } });
    }
    await store.appendToStream(caseStreamId(caseId), events, 'no_stream');
    await citizens.linkCase(caseId, (await citizens.lookup('qc.window', citizen))!);
  }

  it('sends each organization in the audience of any of the citizen’s cases one notice per case, the citizen under its own pseudonym, and nothing to others', async () => {
    const { pseudonym } = await citizens.register('qc.window');
    const hubId = (await citizens.lookup('qc.window', pseudonym))!;
    await caseOf('case-e1', pseudonym, ['qc.window'], ['qc.window', 'qc.mess']);
    await caseOf('case-e2', pseudonym, ['qc.window'], ['qc.window', 'qc.saaq']);
    const other = (await citizens.register('qc.window')).pseudonym;
    await caseOf('case-e3', other, ['qc.window'], ['qc.window', 'qc.ramq']);

    await keys.ensure([hubId]);
    const eraser = new Eraser(keys, store, () => new Date('2026-12-02T10:00:00Z'), (citizen) => citizens.casesOf(citizen));
    await eraser.erase({ citizen: hubId, requestedBy: 'the citizen', legalBasis: 'GDPR art. 17(1)(a)', recordedBy: { organization: 'hub', subject: 'operator' } });
    // The audience is decided when the erasure is recorded, under the hash chain.
    const events: RecordedEvent[] = await store.readStream(erasureStreamId(hubId));
    expect(events[0]!.metadata.notify).toEqual([
      { caseId: 'case-e1', audience: ['qc.mess', 'qc.window'], opened: { publisher: 'qc.window', citizen: pseudonym } },
      { caseId: 'case-e2', audience: ['qc.saaq', 'qc.window'], opened: { publisher: 'qc.window', citizen: pseudonym } },
    ]);

    const relay = new Relay(store, bus, db, loadConfig({}), new Metrics(), citizens);
    await (relay as unknown as { deliverErasures(events: RecordedEvent[]): Promise<void> }).deliverErasures(events);

    const notices = (org: string) => (sent.get(outboundTopic(org)) ?? []).map((m) => ({ key: m.key, headers: m.headers, envelope: JSON.parse(m.value.toString()) as Record<string, unknown> }));
    expect(notices('qc.window').map((n) => n.key)).toEqual(['case-e1', 'case-e2']);
    expect(notices('qc.window')[0]).toEqual({
      key: 'case-e1',
      headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' },
      envelope: {
        specversion: '1.0',
        id: `erasure-case-e1-${events[0]!.position}`,
        source: 'urn:passerelle:hub',
        type: CITIZEN_DATA_ERASED,
        subject: 'case-e1',
        time: '2026-12-02T10:00:00.000Z',
        datacontenttype: 'application/json',
        caseid: 'case-e1',
        data: { citizen: pseudonym, legalBasis: 'GDPR art. 17(1)(a)', requestedAt: '2026-12-02T10:00:00.000Z', erasedAt: '2026-12-02T10:00:00.000Z' },
      },
    });
    const [mess] = notices('qc.mess');
    const [saaq] = notices('qc.saaq');
    expect(notices('qc.mess')).toHaveLength(1);
    expect(mess!.envelope).toMatchObject({ caseid: 'case-e1', data: { citizen: await citizens.pseudonymFor('qc.mess', hubId) } });
    expect(saaq!.envelope).toMatchObject({ caseid: 'case-e2', data: { citizen: await citizens.pseudonymFor('qc.saaq', hubId) } });
    expect(new Set([pseudonym, (mess!.envelope.data as { citizen: string }).citizen, (saaq!.envelope.data as { citizen: string }).citizen]).size).toBe(3);
    expect(sent.has(outboundTopic('qc.ramq'))).toBe(false); // another citizen's case
    // Never the hub's own citizen id, nor who asked.
    expect(JSON.stringify([...sent.values()])).not.toContain(hubId);
    expect(JSON.stringify([...sent.values()])).not.toContain('the citizen');
  });
});
