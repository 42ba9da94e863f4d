import { randomUUID } from 'node:crypto';
import { defaultSchemasDir, EXCHANGE_HEADERS, readSchemaDirectory, sourceOf, type CaseEventEnvelope, type CatalogEntry } from '@passerelle/contracts';
import type { EventToAppend } from '@passerelle/event-store';
import type { OutgoingMessage } from '@passerelle/messaging';
import type { TestOrganization } from './organizations';

let catalog: Promise<CatalogEntry[]> | undefined;

/**
 * A valid envelope of `passerelle.case.<name>.v<version>` published by `organization` on
 * `caseId`: dataschema and dataclassification as the catalog says, a fresh id.
 */
export async function caseEvent(
  organization: string,
  caseId: string,
  name: string,
  data: Record<string, unknown>,
  extra: Partial<CaseEventEnvelope> = {},
  version = 1,
): Promise<CaseEventEnvelope> {
  catalog ??= readSchemaDirectory(defaultSchemasDir());
  const entry = (await catalog).find((e) => e.subject === `case.${name}` && e.version === version);
  if (!entry) throw new Error(`no schema case.${name} v${version} in schemas/`);
  return {
    specversion: '1.0',
    id: `evt-${randomUUID()}`,
    source: sourceOf(organization),
    type: `passerelle.case.${name}.v${version}`,
    time: new Date().toISOString(),
    datacontenttype: 'application/json',
    dataschema: entry.id,
    caseid: caseId,
    channel: 'web',
    actor: 'agent-test',
    dataclassification: entry.classification as CaseEventEnvelope['dataclassification'],
    data,
    ...extra,
  };
}

/** The inbound Kafka message a ministry sends: structured envelope, its token and its signature. */
export async function inboundMessage(
  publisher: TestOrganization,
  envelope: object,
  options: { token?: string; signature?: string; expectedRevision?: string; signer?: TestOrganization } = {},
): Promise<OutgoingMessage> {
  const headers: Record<string, string> = { 'content-type': 'application/cloudevents+json; charset=UTF-8' };
  headers[EXCHANGE_HEADERS.authorization] = `Bearer ${options.token ?? (await publisher.token(['publisher']))}`;
  headers[EXCHANGE_HEADERS.signature] = options.signature ?? (await (options.signer ?? publisher).sign(envelope));
  if (options.expectedRevision !== undefined) headers[EXCHANGE_HEADERS.expectedRevision] = options.expectedRevision;
  const caseId = (envelope as { caseid?: unknown }).caseid;
  return { key: typeof caseId === 'string' ? caseId : null, value: JSON.stringify(envelope), headers };
}

/**
 * A case event as the ledger stores it, for tests and benchmarks that fill a store directly:
 * the envelope as data, the hub's metadata beside it (publisher, audience…); unsigned.
 */
export function storedCaseEvent(publisher: string, envelope: CaseEventEnvelope, audience: string[] = [publisher]): EventToAppend {
  return {
    id: `${publisher}/${envelope.id}`,
    type: envelope.type,
    data: envelope as unknown as Record<string, unknown>,
    metadata: { publisher, publishedBy: `${publisher}/test`, receivedAt: envelope.time, signature: '', category: 'case', audience },
  };
}
