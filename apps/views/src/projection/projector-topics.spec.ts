import { caseStreamId, committedEnvelope, outboundTopic, toKafkaMessage, type CaseEventEnvelope } from '@passerelle/contracts';
import { PgliteDatabase, type SqlDatabase } from '@passerelle/database';
import { SqlEventStore, type EventStore } from '@passerelle/event-store';
import type { IncomingMessage } from '@passerelle/messaging';
import { Metrics } from '@passerelle/metrics';
import { loadConfig } from '@passerelle/platform';
import { CITIZEN_DATA_ERASED, Eraser, openPersonalData, type PersonalData } from '@passerelle/privacy';
import { caseEvent, columnsHolding, storedCaseEvent } from '@passerelle/testing';
import { Projector } from './projector';
import { ViewStore } from './view-store';

const PLAINTEXT = 'wheelchair access, 4 rue des Lilas';

/**
 * Views fed from Kafka (a split deployment) keep what the store keeps: a personal field the
 * relay sent in clear is stored sealed, so an erasure reaches the view at once, and a rebuild
 * from the topics after it holds no plaintext.
 */
describe('the views fed from the outbound topics keep personal fields sealed', () => {
  let db: SqlDatabase;
  let store: EventStore;
  let personal: PersonalData;
  let projector: Projector;
  const caseId = 'case-kafka-1';

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    store = await SqlEventStore.open(db);
    personal = await openPersonalData(db, 'memory');
    projector = new Projector(store, personal, {} as never, db, {} as never, loadConfig({}), new Metrics());
    (projector as unknown as { views: ViewStore }).views = await ViewStore.open(db, personal);
  });
  afterAll(async () => {
    await db.close();
  });

  const fromTopics = (messages: IncomingMessage[]) => (projector as unknown as { fromTopics(m: IncomingMessage[]): Promise<void> }).fromTopics(messages);

  /** Every text, json, jsonb and bytea column of every table, searched for the plaintext. */
  async function databaseHits(): Promise<string[]> {
    const { searched, hits } = await columnsHolding(db, PLAINTEXT);
    expect(searched).toBeGreaterThan(5);
    return hits;
  }

  /** What the relay publishes on B's topic: the events opened (plaintext), one message each. */
  async function outboundMessages(): Promise<IncomingMessage[]> {
    const opened = await personal.open(await store.readStream(caseStreamId(caseId)));
    return opened.map((event, i) => {
      const message = toKafkaMessage(committedEnvelope(event));
      return { topic: outboundTopic('qc.b'), partition: 0, offset: String(i), key: message.key, value: Buffer.from(message.value), headers: message.headers ?? {}, timestamp: Date.now() };
    });
  }

  const descriptionInView = async () => (await projector.viewStore().get('qc.b', caseId))?.current.ServiceRequested?.description;

  it('stores the stored (sealed) form, opens it on read; after erasure the view reads $erased, and a rebuild from the topics holds no plaintext', async () => {
    const opened = await caseEvent('qc.a', caseId, 'CaseOpened', { owner: 'qc.a', citizen: 'cit-1', title: 't', openedAt: new Date().toISOString() });
    const requested: CaseEventEnvelope = await caseEvent('qc.a', caseId, 'ServiceRequested', { service: 'svc', description: PLAINTEXT, requestedAt: new Date().toISOString(), provider: 'qc.a' });
    const id = `qc.a/${requested.id}`;
    const [sealed] = await personal.seal([{ eventId: id, citizen: 'hc-1', envelope: requested, fields: ['/data/description'], kid: 'k1' }]);
    if (!sealed || 'error' in sealed) throw new Error('not sealed');
    await store.appendToStream(
      caseStreamId(caseId),
      [storedCaseEvent('qc.a', opened, ['qc.a', 'qc.b']), { ...storedCaseEvent('qc.a', sealed.envelope, ['qc.a', 'qc.b']), metadata: { ...storedCaseEvent('qc.a', sealed.envelope, ['qc.a', 'qc.b']).metadata, personal: sealed.personal } }],
      'no_stream',
    );
    const messages = await outboundMessages();
    expect(messages[1]!.value.toString()).toContain(PLAINTEXT); // what the topic carries

    await fromTopics(messages);
    expect(await descriptionInView()).toBe(PLAINTEXT);
    expect(await databaseHits()).toEqual([]);

    await new Eraser(personal.keys, store).erase({ citizen: 'hc-1', requestedBy: 'the citizen', legalBasis: 'GDPR art. 17(1)(a)', recordedBy: { organization: 'hub', subject: 'operator' } });
    expect(await descriptionInView()).toEqual({ $erased: true });

    // A rebuild from the topics, which still hold the plaintext, with the erasure notice among them.
    await db.query('DELETE FROM view_timeline');
    await db.query('DELETE FROM view_cases');
    const notice = { topic: outboundTopic('qc.b'), partition: 0, offset: '2', key: caseId, value: Buffer.from(JSON.stringify({ specversion: '1.0', id: `erasure-${caseId}-7`, source: 'urn:passerelle:hub', type: CITIZEN_DATA_ERASED, caseid: caseId, data: {} })), headers: { 'content-type': 'application/cloudevents+json; charset=UTF-8' }, timestamp: Date.now() };
    await fromTopics([...messages, notice]);
    expect(await projector.viewStore().get('qc.b', caseId)).toMatchObject({ revision: 1, current: { ServiceRequested: { service: 'svc', description: { $erased: true } } } });
    expect(await databaseHits()).toEqual([]);
  });

  it('refuses a message naming an event the store does not hold there (VIEW.UNREADABLE_MESSAGE)', async () => {
    const [message] = await outboundMessages();
    const forged = JSON.parse(message!.value.toString()) as CaseEventEnvelope;
    const value = Buffer.from(JSON.stringify({ ...forged, id: 'evt-forged' }));
    await expect(fromTopics([{ ...message!, value }])).rejects.toMatchObject({ code: 'VIEW.UNREADABLE_MESSAGE', message: expect.stringContaining('evt-forged') });
  });
});
