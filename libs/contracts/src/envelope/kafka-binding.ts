import type { IncomingMessage, OutgoingMessage } from '@passerelle/messaging';
import type { CaseEventEnvelope } from './envelope';
import { parseStrictJson } from './strict-json';

/**
 * The CloudEvents Kafka protocol binding (v1.0.2), both modes:
 *
 * - structured: the value is the whole envelope as JSON, `content-type:
 *   application/cloudevents+json; charset=UTF-8`;
 * - binary: the value is `data` alone, `content-type` is the `datacontenttype` (parameters
 *   and all), and every other attribute travels as a `ce_<name>` header. Every attribute of
 *   the envelope (v3) is a CloudEvents String, so a header's value is the attribute's value;
 *   v2's integer `sequence` and `position` arrive as decimal strings, which `upcast` reads.
 *
 * A receiver tells the modes apart by `content-type` alone, as the binding says: prefixed
 * with `application/cloudevents` (any case) is structured, anything else (or none) binary.
 * The Kafka key is the case id by default, so one case's events keep their order.
 */
export const STRUCTURED_CONTENT_TYPE = 'application/cloudevents+json; charset=UTF-8';

/** CloudEvents attribute names: lower-case ASCII letters and digits (spec §3.1.1). */
const ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * Chooses the Kafka key of an event (binding §3.1, "Key Mapper"). It never changes the event:
 * `partitionkey`, if present, is still sent as an attribute.
 */
export type KeyMapper = (event: CaseEventEnvelope) => string | null;

/** The default: the case id, so one case's events stay in one partition, in order. */
export const caseIdKey: KeyMapper = (event) => event.caseid;

/**
 * The binding's opt-in mapper: the Partitioning extension's `partitionkey`, as-is, when
 * present; otherwise the case id.
 */
export const partitionKeyKey: KeyMapper = (event) => event.partitionkey ?? event.caseid;

export interface ToKafkaOptions {
  mode?: 'structured' | 'binary';
  key?: KeyMapper;
}

export function toKafkaMessage(event: CaseEventEnvelope, options: ToKafkaOptions | 'structured' | 'binary' = {}): OutgoingMessage {
  const { mode = 'structured', key = caseIdKey } = typeof options === 'string' ? { mode: options } : options;
  if (mode === 'structured') {
    return { key: key(event), value: JSON.stringify(event), headers: { 'content-type': STRUCTURED_CONTENT_TYPE } };
  }
  const headers: Record<string, string> = { 'content-type': event.datacontenttype };
  for (const [name, value] of Object.entries(event)) {
    if (name === 'data' || name === 'datacontenttype' || value === undefined || value === null) continue;
    headers[`ce_${name}`] = String(value);
  }
  return { key: key(event), value: JSON.stringify(event.data), headers };
}

/** The envelope document a Kafka message carries, in either mode; not yet validated. */
export function fromKafkaMessage(message: Pick<IncomingMessage, 'value' | 'headers'>): { document: unknown } | { error: string } {
  const contentType = message.headers['content-type'];
  if (contentType !== undefined && contentType.toLowerCase().startsWith('application/cloudevents')) {
    const format = contentType.split(';')[0]!.trim().toLowerCase();
    if (format !== 'application/cloudevents+json') {
      return { error: `content-type "${contentType}" is a CloudEvents format the hub does not read: send application/cloudevents+json (structured) or binary mode` };
    }
    if (message.value.length === 0) return { error: 'the message has no value: a structured-mode event carries its whole envelope as JSON in the value' };
    return parse(message.value, (value) => value);
  }
  return binary(message, contentType);
}

function binary(message: Pick<IncomingMessage, 'value' | 'headers'>, contentType: string | undefined): { document: unknown } | { error: string } {
  const names = Object.keys(message.headers);
  if (!names.includes('ce_specversion')) {
    const declared = contentType === undefined ? 'no content-type header' : `content-type "${contentType}"`;
    return { error: `${declared} and no ce_specversion header: the message is neither a structured-mode event (content-type application/cloudevents+json) nor a binary-mode one` };
  }
  const document: Record<string, unknown> = {};
  // Binding §3.2.1: content-type maps to datacontenttype as it is, parameters included; with
  // no content-type the attribute stays unset (and validation says it is required).
  if (contentType !== undefined) document.datacontenttype = contentType;
  for (const header of names) {
    if (header.toLowerCase().startsWith('ce_') && !header.startsWith('ce_')) {
      return { error: `header ${JSON.stringify(header)}: CloudEvents headers are written ce_<attribute> in lower case` };
    }
    if (!header.startsWith('ce_')) continue;
    const name = header.slice(3);
    if (!ATTRIBUTE_NAME.test(name)) {
      return { error: `header ${JSON.stringify(header)}: a CloudEvents attribute name is lower-case letters and digits only` };
    }
    const value = message.headers[header]!;
    if (name === 'data') return { error: 'header "ce_data": in binary mode data is the message value' };
    if (name === 'datacontenttype') {
      // Some SDKs (the JavaScript one among them) repeat content-type as ce_datacontenttype.
      if (contentType !== undefined && value.trim().toLowerCase() !== contentType.trim().toLowerCase()) {
        return { error: `header ce_datacontenttype "${value}" contradicts content-type "${contentType}", which is the event's datacontenttype in binary mode` };
      }
      document.datacontenttype ??= value;
      continue;
    }
    document[name] = value;
  }
  // Binding §3.2.2: an event with no data is a message with no value (not invalid JSON).
  if (message.value.length === 0) return { document };
  return parse(message.value, (data) => ({ ...document, data }));
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
