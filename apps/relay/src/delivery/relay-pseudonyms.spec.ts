import { CitizenDirectory } from '@passerelle/citizens';
import { outboundTopic, type CaseEventEnvelope } from '@passerelle/contracts';
import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import type { MessageBus, OutgoingMessage } from '@passerelle/messaging';
import { Metrics } from '@passerelle/metrics';
import { loadConfig } from '@passerelle/platform';
import { caseEvent, storedCaseEvent } from '@passerelle/testing';
import { Relay } from './relay';

/** What the relay sends each entitled organization: the citizen under that organization's own pseudonym. */
describe('the relay maps the citizen per organization', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let citizens: CitizenDirectory;
  const sent = new Map<string, OutgoingMessage[]>();
  const bus = { kind: 'kafka', publish: async (topic: string, messages: OutgoingMessage[]) => void sent.set(topic, [...(sent.get(topic) ?? []), ...messages]) } as unknown as MessageBus;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    store = await SqlEventStore.open(db);
    citizens = await CitizenDirectory.open(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('sends the publisher its event as signed, every other organization its own pseudonym, unsigned and marked as mapped', async () => {
    const { pseudonym } = await citizens.register('qc.window');
    const envelope: CaseEventEnvelope = await caseEvent('qc.window', 'case-r1', 'CaseOpened', { owner: 'qc.window', citizen: pseudonym, title: 't', openedAt: new Date().toISOString() });
    await store.appendToStream(
      'case-case-r1',
      [
        {
          ...storedCaseEvent('qc.window', envelope, ['qc.window', 'qc.mess', 'qc.saaq']),
          metadata: { ...storedCaseEvent('qc.window', envelope).metadata, audience: ['qc.window', 'qc.mess', 'qc.saaq'], signature: 'sig' },
        },
      ],
      'no_stream',
    );
    const events: RecordedEvent[] = await store.readStream('case-case-r1');
    const relay = new Relay(store, bus, db, loadConfig({}), new Metrics(), citizens);

    await (relay as unknown as { deliver(events: RecordedEvent[]): Promise<void> }).deliver(events);

    const to = (org: string) => sent.get(outboundTopic(org))![0]!;
    const citizenOf = (m: OutgoingMessage) => (JSON.parse(m.value.toString()) as CaseEventEnvelope).data.citizen as string;
    expect(citizenOf(to('qc.window'))).toBe(pseudonym);
    expect(to('qc.window').headers).toMatchObject({ 'passerelle-signature': 'sig' });
    const [mess, saaq] = [citizenOf(to('qc.mess')), citizenOf(to('qc.saaq'))];
    expect(mess).toMatch(/^ps-/);
    expect(new Set([pseudonym, mess, saaq]).size).toBe(3);
    expect(mess).toBe(await citizens.pseudonymFor('qc.mess', (await citizens.lookup('qc.window', pseudonym))!));
    expect(to('qc.mess').headers).toMatchObject({ 'passerelle-citizen-mapped': 'citizen' });
    expect(to('qc.mess').headers).not.toHaveProperty('passerelle-signature');
    // What is stored is what was signed.
    expect((events[0]!.data as unknown as CaseEventEnvelope).data.citizen).toBe(pseudonym);
  });
});
