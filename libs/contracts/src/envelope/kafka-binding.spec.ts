import { CloudEvent, Kafka } from 'cloudevents';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir } from '../catalog/schema-catalog';
import type { CaseEventEnvelope } from './envelope';
import { fromKafkaMessage, partitionKeyKey, STRUCTURED_CONTENT_TYPE, toKafkaMessage } from './kafka-binding';

const event = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v1.example.json'), 'utf8')) as CaseEventEnvelope;
const committed: CaseEventEnvelope = { ...event, caserevision: '4', logposition: '1207', prevhash: 'a'.repeat(64), hash: 'b'.repeat(64) };
const asIncoming = (m: ReturnType<typeof toKafkaMessage>) => ({ value: Buffer.from(m.value), headers: m.headers ?? {} });
/** A message as the CloudEvents JavaScript SDK writes it (its value is data, not yet bytes; a producer sends no undefined header). */
const fromSdk = (m: { value?: unknown; headers: Record<string, unknown> }) => ({
  value: Buffer.from(typeof m.value === 'string' ? m.value : JSON.stringify(m.value)),
  headers: Object.fromEntries(Object.entries(m.headers).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)])),
});

describe('CloudEvents Kafka binding', () => {
  it('keys every message by case id, so a case keeps its order', () => {
    expect(toKafkaMessage(event).key).toBe('case-2026-000123');
    expect(toKafkaMessage(event, 'binary').key).toBe('case-2026-000123');
  });

  it('offers the binding’s partitionkey key mapper, which leaves the event as it is', () => {
    const keyed = { ...event, partitionkey: 'household-42' };
    const message = toKafkaMessage(keyed, { key: partitionKeyKey });
    expect(message.key).toBe('household-42');
    expect(JSON.parse(String(message.value))).toEqual(keyed);
    expect(toKafkaMessage(event, { key: partitionKeyKey }).key).toBe(event.caseid);
    expect(toKafkaMessage(keyed, { mode: 'binary', key: partitionKeyKey }).headers).toMatchObject({ ce_partitionkey: 'household-42' });
  });

  it('structured mode carries the whole envelope with the CloudEvents content type', () => {
    const message = toKafkaMessage(committed);
    expect(message.headers).toEqual({ 'content-type': STRUCTURED_CONTENT_TYPE });
    expect(fromKafkaMessage(asIncoming(message))).toEqual({ document: committed });
  });

  it('binary mode carries data as the value and every other attribute as a ce_ header', () => {
    const message = toKafkaMessage(committed, 'binary');
    expect(JSON.parse(String(message.value))).toEqual(event.data);
    expect(message.headers).toMatchObject({ 'content-type': 'application/json', ce_id: event.id, ce_type: event.type, ce_caseid: event.caseid, ce_caserevision: '4', ce_logposition: '1207' });
    expect(fromKafkaMessage(asIncoming(message))).toEqual({ document: committed });
  });

  it('chooses the mode by content-type (prefix application/cloudevents, any case), not by ce_ headers', () => {
    const structured = asIncoming(toKafkaMessage(event));
    structured.headers = { ...structured.headers, 'content-type': 'Application/CloudEvents+JSON; charset=UTF-8', ce_specversion: '1.0', ce_id: 'other' };
    expect(fromKafkaMessage(structured)).toEqual({ document: event });
    expect(fromKafkaMessage({ value: Buffer.from('{}'), headers: { 'content-type': 'application/cloudevents+avro' } })).toEqual({
      error: 'content-type "application/cloudevents+avro" is a CloudEvents format the hub does not read: send application/cloudevents+json (structured) or binary mode',
    });
  });

  it('maps binary content-type to datacontenttype as it is, parameters included, and leaves it unset when absent', () => {
    const message = asIncoming(toKafkaMessage({ ...event, datacontenttype: 'application/json; charset=utf-8' }, 'binary'));
    expect(fromKafkaMessage(message)).toMatchObject({ document: { datacontenttype: 'application/json; charset=utf-8' } });
    delete message.headers['content-type'];
    const read = fromKafkaMessage(message) as { document: Record<string, unknown> };
    expect('datacontenttype' in read.document).toBe(false);
  });

  it('reads a binary event with no value as an event with no data, not as bad JSON', () => {
    const message = asIncoming(toKafkaMessage(event, 'binary'));
    const read = fromKafkaMessage({ ...message, value: Buffer.alloc(0) }) as { document: Record<string, unknown> };
    expect(read.document).toMatchObject({ id: event.id, type: event.type });
    expect('data' in read.document).toBe(false);
  });

  it('refuses ce_ header names that are not lower case', () => {
    const message = asIncoming(toKafkaMessage(event, 'binary'));
    expect(fromKafkaMessage({ ...message, headers: { ...message.headers, ce_Subject: 'x' } })).toEqual({
      error: 'header "ce_Subject": a CloudEvents attribute name is lower-case letters and digits only',
    });
    expect(fromKafkaMessage({ ...message, headers: { ...message.headers, CE_subject: 'x' } })).toEqual({
      error: 'header "CE_subject": CloudEvents headers are written ce_<attribute> in lower case',
    });
  });

  it('reads what the CloudEvents JavaScript SDK writes, in both modes', () => {
    const sdkEvent = new CloudEvent({ ...event, datacontenttype: 'application/json; charset=utf-8', partitionkey: event.caseid });
    const expected = { ...event, datacontenttype: 'application/json; charset=utf-8', partitionkey: event.caseid };
    expect(fromKafkaMessage(fromSdk(Kafka.binary(sdkEvent)))).toEqual({ document: expected });
    // Its structured writer re-renders time with milliseconds: the same instant.
    expect(fromKafkaMessage(fromSdk(Kafka.structured(sdkEvent)))).toEqual({ document: { ...expected, time: '2026-11-25T14:03:00.000Z' } });
  });

  it('writes what the CloudEvents JavaScript SDK reads, in both modes', () => {
    for (const mode of ['structured', 'binary'] as const) {
      const message = toKafkaMessage(event, mode);
      const read = Kafka.toEvent({ key: message.key!, value: String(message.value), headers: message.headers!, body: String(message.value) } as never) as CloudEvent;
      expect({ mode, id: read.id, caseid: read.caseid, data: read.data }).toEqual({ mode, id: event.id, caseid: event.caseid, data: event.data });
    }
  });

  it('says why a message is not an event', () => {
    const structured = { 'content-type': STRUCTURED_CONTENT_TYPE };
    expect(fromKafkaMessage({ value: Buffer.from('{'), headers: structured })).toEqual({ error: expect.stringMatching(/^the message value is not valid JSON/) });
    expect(fromKafkaMessage({ value: Buffer.from([0xc3, 0x28]), headers: structured })).toEqual({ error: 'the message value is not valid UTF-8' });
    expect(fromKafkaMessage({ value: Buffer.alloc(0), headers: structured })).toEqual({
      error: 'the message has no value: a structured-mode event carries its whole envelope as JSON in the value',
    });
    expect(fromKafkaMessage({ value: Buffer.from('{}'), headers: { 'content-type': 'text/plain' } })).toEqual({
      error:
        'content-type "text/plain" and no ce_specversion header: the message is neither a structured-mode event (content-type application/cloudevents+json) nor a binary-mode one',
    });
    expect(fromKafkaMessage({ value: Buffer.from('{}'), headers: {} })).toEqual({
      error: 'no content-type header and no ce_specversion header: the message is neither a structured-mode event (content-type application/cloudevents+json) nor a binary-mode one',
    });
  });
});
