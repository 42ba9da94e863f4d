import type { IncomingMessage, OutgoingMessage } from '@passerelle/messaging';
import type { CaseEventEnvelope } from './envelope';
import { parseStrictJson } from './strict-json';

/**
 * The CloudEvents Kafka protocol binding (v1.0.2), both modes:
 *
 * - structured: the value is the whole envelope as JSON, `content-type:
 *   application/cloudevents+json; charset=UTF-8`;
 * - binary: the value is `data` alone, `content-type: application/json`, and every other
 *   attribute travels as a `ce_<name>` header (string values; integers in decimal).
 *
 * In both, the Kafka key is the case id, so one case's events keep their order.
 */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

const INTEGER_ATTRIBUTES = new Set(['sequence', 'position']);

export function toKafkaMessage(event: CaseEventEnvelope, mode: 'structured' | 'binary' = 'structured'): OutgoingMessage {
  if (mode === 'structured') {
    return { key: event.caseid, value: JSON.stringify(event), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } };
  }
  const headers: Record<string, string> = { 'content-type': event.datacontenttype };
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'datacontenttype' || value === undefined) continue;
    headers[`ce_${name}`] = String(value);
  }
  return { key: event.caseid, value: JSON.stringify(event.data), headers };
}

/** The envelope document a Kafka message carries, in either mode; not yet validated. */
export function fromKafkaMessage(message: Pick<IncomingMessage, 'value' | 'headers'>): { document: unknown } | { error: string } {
  const contentType = message.headers['content-type'] ?? '';
  const binary = message.headers['ce_specversion'] !== undefined;
  if (!binary) {
    if (contentType && !contentType.startsWith('application/cloudevents+json')) {
      return { error: `content-type "${contentType}" is neither structured CloudEvents JSON nor a binary-mode event (no ce_specversion header)` };
    }
    return parse(message.value, (value) => value);
  }
  return parse(message.value, (data) => {
    const document: Record<string, unknown> = { datacontenttype: contentType.split(';')[0]!.trim(), data };
    for (const [header, value] of Object.entries(message.headers)) {
      if (!header.startsWith('ce_')) continue;
      const name = header.slice(3);
      document[name] = INTEGER_ATTRIBUTES.has(name) && /^\d+$/.test(value) ? Number(value) : value;
    }
    return document;
  });
}

function parse(value: Buffer, build: (parsed: unknown) => unknown): { document: unknown } | { error: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return { error: 'the message value is not valid UTF-8' };
  }
  const parsed = parseStrictJson(text);
  if ('error' in parsed) return { error: `the message value is not valid JSON: ${parsed.error}` };
  return { document: build(parsed.value) };
}
