import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir } from '../catalog/schema-catalog';
import type { CaseEventEnvelope } from './envelope';
import { fromKafkaMessage, STRUCTURED_CONTENT_TYPE, toKafkaMessage } from './kafka-binding';

const event = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v1.example.json'), 'utf8')) as CaseEventEnvelope;
const committed: CaseEventEnvelope = { ...event, sequence: 4, position: 1207, prevhash: 'a'.repeat(64), hash: 'b'.repeat(64) };
const asIncoming = (m: ReturnType<typeof toKafkaMessage>) => ({ value: Buffer.from(m.value), headers: m.headers ?? {} });

describe('CloudEvents Kafka binding', () => {
  it('keys every message by case id, so a case keeps its order', () => {
    expect(toKafkaMessage(event).key).toBe('case-2026-000123');
    expect(toKafkaMessage(event, 'binary').key).toBe('case-2026-000123');
  });

  it('structured mode carries the whole envelope with the CloudEvents content type', () => {
    const message = toKafkaMessage(committed);
    expect(message.headers).toEqual({ 'content-type': STRUCTURED_CONTENT_TYPE });
    expect(fromKafkaMessage(asIncoming(message))).toEqual({ document: committed });
  });

  it('binary mode carries data as the value and every other attribute as a ce_ header', () => {
    const message = toKafkaMessage(committed, 'binary');
    expect(JSON.parse(String(message.value))).toEqual(event.data);
    expect(message.headers).toMatchObject({ 'content-type': 'application/json', ce_id: event.id, ce_type: event.type, ce_caseid: event.caseid, ce_sequence: '4' });
    expect(fromKafkaMessage(asIncoming(message))).toEqual({ document: committed });
  });

  it('says why a message is not an event', () => {
    expect(fromKafkaMessage({ value: Buffer.from('{'), headers: {} })).toEqual({ error: expect.stringMatching(/^the message value is not valid JSON/) });
    expect(fromKafkaMessage({ value: Buffer.from([0xc3, 0x28]), headers: {} })).toEqual({ error: 'the message value is not valid UTF-8' });
    expect(fromKafkaMessage({ value: Buffer.from('{}'), headers: { 'content-type': 'text/plain' } })).toEqual({
      error: 'content-type "text/plain" is neither structured CloudEvents JSON nor a binary-mode event (no ce_specversion header)',
    });
  });
});
