import { defaultSchemasDir, fromKafkaMessage, toKafkaMessage, type CaseEventEnvelope } from '@passerelle/contracts';
import { PgliteDatabase } from '@passerelle/database';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { committedEvent, UnreadableMessage } from './committed-event';
import { ViewStore } from './view-store';

const read = (file: string) => JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope', file), 'utf8')) as CaseEventEnvelope;
/** A message as it sits on an outbound topic, in the given mode. */
const onTopic = (event: unknown, mode: 'structured' | 'binary') => {
  const message = toKafkaMessage(event as CaseEventEnvelope, mode);
  const parsed = fromKafkaMessage({ value: Buffer.from(message.value), headers: message.headers ?? {} }) as { document: CaseEventEnvelope };
  return parsed.document;
};

describe('the views read committed events of envelope v3, and v2 ones relayed before it', () => {
  it.each(['structured', 'binary'] as const)('Given a v2 message (%s) and the same event as v3, When read, Then both give the same view entry', (mode) => {
    const v2 = committedEvent(onTopic(read('v2.committed.example.json'), mode));
    const v3 = committedEvent(onTopic(read('v3.committed.example.json'), mode));
    expect(v2).toEqual(v3);
    expect(v3).toMatchObject({ revision: 0, position: 1207, hash: '9c'.repeat(32) });
  });

  it('Given an outbound topic holding v2 events then v3 ones, When the views apply them, Then the case’s timeline holds each once, in order', async () => {
    const db = await PgliteDatabase.open();
    try {
      const views = await ViewStore.open(db);
      const opened = read('v2.committed.example.json');
      const { sequence: _s, position: _p, ...publisher } = opened as CaseEventEnvelope & { sequence: number; position: number };
      const requested = (n: number) => ({
        ...publisher,
        id: `evt-req-${n}`,
        type: 'passerelle.case.ServiceRequested.v1',
        dataschema: 'urn:passerelle:schema:case:ServiceRequested:v1',
        data: { service: `svc-${n}`, description: 'd', requestedAt: '2026-11-25T14:03:00Z', provider: 'qc.ramq' },
        hash: String(n).repeat(64).slice(0, 64),
      });
      const v2 = [opened, { ...requested(1), sequence: 1, position: 1300 }];
      const v3 = [{ ...requested(2), caserevision: '2', logposition: '1400' }];
      const topic = [...v2.map((e) => onTopic(e, 'structured')), ...v3.map((e) => onTopic(e, 'binary'))];
      // A redelivery of the last v2 event, after the upgrade, as v3: seen already, so nothing changes.
      topic.push(onTopic({ ...requested(1), caserevision: '1', logposition: '1300' }, 'structured'));

      await views.apply(topic.map((event) => ({ organization: 'qc.mess', event: committedEvent(event) })));

      const view = await views.get('qc.mess', opened.caseid);
      expect(view).toMatchObject({ revision: 2, position: 1400 });
      expect(view!.timeline.map((t) => [t.revision, t.position, t.eventId])).toEqual([
        [0, 1207, opened.id],
        [1, 1300, 'evt-req-1'],
        [2, 1400, 'evt-req-2'],
      ]);
    } finally {
      await db.close();
    }
  });

  it('refuses, as unreadable, a message on an outbound topic that carries no commit attributes', () => {
    const { caserevision: _r, ...uncommitted } = read('v3.committed.example.json');
    expect(() => committedEvent(uncommitted)).toThrow(UnreadableMessage);
    expect(() => committedEvent(uncommitted)).toThrow('event evt-01J9Z3W4Q8M2R6T1 has no commit attributes (caserevision, logposition, hash): it is not a committed event');
  });
});
