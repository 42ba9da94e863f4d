import { stringify } from 'yaml';
import type { CatalogEntry } from '../catalog/schema-catalog';
import { eventTypeOf } from '../catalog/schema-id';
import { STRUCTURED_CONTENT_TYPE } from '../envelope/kafka-binding';
import { ENVELOPE_SCHEMA_ID } from '../validation/event-validator';

/**
 * The AsyncAPI 3.0 description of the hub's topics, generated from the catalog: what a
 * ministry publishes to its inbound topic, what it receives on its outbound topic, and the
 * receipts. Schemas are embedded under components.schemas; their `urn:` references are
 * rewritten to point there, so the document stands alone.
 */
export function buildAsyncApi(entries: readonly CatalogEntry[], version: string): Record<string, unknown> {
  const events = entries.filter((e) => e.subject.includes('.')).sort((a, b) => a.subject.localeCompare(b.subject) || a.version - b.version);
  const schemas: Record<string, unknown> = {};
  for (const entry of entries) schemas[componentName(entry)] = embed(entry.schema);

  const messages: Record<string, unknown> = {};
  for (const entry of events) {
    const type = eventTypeOf(entry);
    messages[messageName(entry)] = {
      name: type,
      title: `${String(entry.schema.title ?? entry.subject)} v${entry.version}`,
      summary: entry.schema.description,
      contentType: STRUCTURED_CONTENT_TYPE,
      payload: {
        allOf: [
          { $ref: `#/components/schemas/envelope.${ENVELOPE_SCHEMA_ID.split(':').at(-1)}` },
          { type: 'object', properties: { type: { const: type }, dataschema: { const: entry.id }, dataclassification: { const: entry.classification }, data: { $ref: `#/components/schemas/${componentName(entry)}` } } },
        ],
      },
      bindings: { kafka: { key: { type: 'string', description: 'The case id: one case keeps its order' }, bindingVersion: '0.5.0' } },
      'x-category': entry.category,
      'x-classification': entry.classification,
    };
  }
  messages.Receipt = {
    name: 'passerelle.receipt',
    title: 'Receipt',
    summary: 'The hub’s answer to one inbound event: accepted (with its revision, position and hash) or rejected (with a code, reason and JSON path).',
    contentType: 'application/json',
    payload: {
      type: 'object',
      required: ['eventId', 'caseId', 'organization', 'receivedAt', 'status'],
      properties: {
        eventId: { type: ['string', 'null'], description: 'null when the message could not be read far enough to know it' },
        caseId: { type: ['string', 'null'] },
        organization: { type: 'string', description: 'whose inbound topic carried the event' },
        receivedAt: { type: 'string', format: 'date-time' },
        submissionId: { type: 'string', description: 'the passerelle-submission header of the inbound message, when it had one' },
        status: { enum: ['accepted', 'rejected'] },
        revision: { type: 'integer', description: 'accepted: the revision in the case stream' },
        position: { type: 'integer', description: 'accepted: the position in the global log' },
        hash: { type: 'string', description: 'accepted: the link in the case hash chain' },
        code: { type: 'string', description: 'rejected: e.g. SCHEMA.INVALID, SIGNATURE.INVALID, CASE.NOT_A_PARTICIPANT' },
        reason: { type: 'string' },
        errors: {
          type: 'array',
          items: { type: 'object', required: ['pointer', 'message'], properties: { pointer: { type: 'string' }, keyword: { type: 'string' }, message: { type: 'string' } } },
        },
      },
    },
  };

  const eventRefs = Object.fromEntries(events.map((e) => [messageName(e), { $ref: `#/components/messages/${messageName(e)}` }]));
  const organization = { description: 'A member organization’s id, e.g. qc.ramq' };
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Passerelle case events',
      version,
      description:
        'Organizations publish signed case events (CloudEvents 1.0, structured or binary Kafka binding) to their inbound topic, receive on their outbound topic every event they are entitled to, and a receipt for each event they published.',
    },
    defaultContentType: STRUCTURED_CONTENT_TYPE,
    channels: {
      inbound: { address: 'passerelle.inbound.{organization}', title: 'What an organization publishes', parameters: { organization }, messages: eventRefs },
      outbound: { address: 'passerelle.outbound.{organization}', title: 'What an organization is entitled to receive', parameters: { organization }, messages: eventRefs },
      receipts: { address: 'passerelle.receipts.{organization}', title: 'Receipts for what an organization published', parameters: { organization }, messages: { Receipt: { $ref: '#/components/messages/Receipt' } } },
    },
    operations: {
      publishCaseEvent: { action: 'send', channel: { $ref: '#/channels/inbound' }, summary: 'Publish a signed case event' },
      receiveCaseEvents: { action: 'receive', channel: { $ref: '#/channels/outbound' }, summary: 'Receive the case events the organization is entitled to, in case order' },
      receiveReceipts: { action: 'receive', channel: { $ref: '#/channels/receipts' }, summary: 'Learn whether each published event was accepted' },
    },
    components: { schemas, messages },
  };
}

export function asyncApiYaml(entries: readonly CatalogEntry[], version: string): string {
  return `# Generated from schemas/ by \`npm run generate\`; do not edit.\n${stringify(buildAsyncApi(entries, version), { lineWidth: 0 })}`;
}

function componentName(entry: CatalogEntry): string {
  return `${entry.subject}.v${entry.version}`;
}

function messageName(entry: CatalogEntry): string {
  return `${entry.subject.split('.').pop()}V${entry.version}`;
}

/** A copy without $schema/$id, and with `urn:passerelle:schema:` references made local. */
function embed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(embed);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '$schema' || key === '$id') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith('urn:passerelle:schema:')) {
      const [id, pointer = ''] = value.split('#');
      const match = /^urn:passerelle:schema:(.+):v(\d+)$/.exec(id!)!;
      out.$ref = `#/components/schemas/${match[1]!.replaceAll(':', '.')}.v${match[2]}${pointer}`;
      continue;
    }
    out[key] = embed(value);
  }
  return out;
}
