import type { Classification } from '../catalog/schema-catalog';

export const CHANNELS = ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Attributes the hub sets when it commits an event (envelope v3); a publisher never sends
 * them. Every one is a CloudEvents String, and none is the name of a documented CloudEvents
 * extension: `caserevision` and `logposition` are decimal strings because a 64-bit revision
 * or position outgrows the CloudEvents Integer (32 bits), and they are not `sequence`, whose
 * documented extension is a lexicographically ordered string (see docs/contracts.md).
 */
export const COMMIT_ATTRIBUTES = ['caserevision', 'logposition', 'prevhash', 'hash'] as const;

/**
 * Envelope v2's names for the first two: JSON integers. Events relayed before v3 carry them
 * (on the outbound topics, until retention drops them); `upcast` reads them as v3.
 */
export const V2_COMMIT_ATTRIBUTES = { sequence: 'caserevision', position: 'logposition' } as const;

/**
 * A case event as it travels: CloudEvents 1.0 structured JSON with Passerelle's extensions
 * (schemas/envelope/v3.schema.json is the authority; this type mirrors it).
 */
export interface CaseEventEnvelope<Data = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  /** urn:passerelle:org:<organizationId> */
  source: string;
  /** passerelle.<context>.<EventType>.v<N> */
  type: string;
  subject?: string;
  time: string;
  /** application/json, or another JSON media type, parameters allowed (e.g. `; charset=utf-8`) */
  datacontenttype: string;
  /** The $id of the data's schema */
  dataschema: string;
  data: Data;
  caseid: string;
  channel: Channel;
  actor: string;
  correlationid?: string;
  causationid?: string;
  dataclassification: Classification;
  /** The CloudEvents Partitioning extension; the opt-in Kafka key mapper sends it as the key. */
  partitionkey?: string;
  traceparent?: string;
  tracestate?: string;
  /** Set on commit: the revision in the case stream, in decimal (e.g. "0" for the first event). */
  caserevision?: string;
  /** Set on commit: the position in the hub's global log, in decimal. */
  logposition?: string;
  prevhash?: string;
  hash?: string;
}

const ORG_SOURCE = /^urn:passerelle:org:(.+)$/;

/** The organization id in an envelope's `source`, e.g. qc.ramq */
export function organizationOf(source: string): string | null {
  return ORG_SOURCE.exec(source)?.[1] ?? null;
}

export function sourceOf(organizationId: string): string {
  return `urn:passerelle:org:${organizationId}`;
}

/**
 * How our classification reads in the CloudEvents Data Classification extension's recommended
 * labels (public, internal, confidential, restricted). The envelope keeps its own labels
 * because every stored event is signed with them; `personal` (data about a citizen, under
 * privacy law) is the one that differs, and corresponds to `restricted`.
 */
export const CLOUDEVENTS_CLASSIFICATION: Readonly<Record<Classification, 'public' | 'internal' | 'confidential' | 'restricted'>> = {
  public: 'public',
  internal: 'internal',
  personal: 'restricted',
  confidential: 'confidential',
};
