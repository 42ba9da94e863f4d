import type { CaseEventEnvelope } from '../envelope/envelope';

/**
 * How an accepted case event is kept in the event store, shared by the ledger (which writes
 * it) and by everything that reads it back (relay, views, gateway, audit):
 * - stream `case-<caseid>`; event id `<publisher>/<envelope id>` (CloudEvents ids are unique
 *   per source, so two organizations may use the same one);
 * - data: the envelope exactly as the publisher signed it;
 * - metadata: what the hub established on ingest, covered by the hash chain like the data.
 */
export interface CaseEventMetadata {
  /** The publishing organization, proven by its token and its signature. */
  publisher: string;
  /** The `sub` of the publisher's token: the system or agent that called. */
  publishedBy: string;
  /** When the hub received it (ISO 8601): the instant its signature and the rules were judged at. */
  receivedAt: string;
  /** The publisher's detached JWS over the envelope. */
  signature: string;
  /** The sharing category of the event's type. */
  category: string;
  /** The organizations entitled to the event when it was accepted, sorted. */
  audience: string[];
  /**
   * W3C traceparent of the ledger's span that accepted it, when traced: the relay continues
   * that trace onto the outbound messages. Never shown to organizations.
   */
  traceparent?: string;
}

export const CASE_STREAM_PREFIX = 'case-';

export const caseStreamId = (caseId: string): string => `${CASE_STREAM_PREFIX}${caseId}`;

export const storedEventId = (publisher: string, eventId: string): string => `${publisher}/${eventId}`;

/** A stored case event as any store hands it back. */
export interface StoredCaseEvent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  revision: bigint;
  position: bigint;
  prevHash: string;
  hash: string;
}

/**
 * The envelope as subscribers receive it (envelope v3): as published, plus the hub's commit
 * attributes; revision and position in decimal, whole at any size (they are 64-bit).
 */
export function committedEnvelope(event: StoredCaseEvent): CaseEventEnvelope {
  return {
    ...(event.data as unknown as CaseEventEnvelope),
    caserevision: event.revision.toString(),
    logposition: event.position.toString(),
    prevhash: event.prevHash,
    hash: event.hash,
  };
}

export function caseEventMetadata(event: Pick<StoredCaseEvent, 'metadata'>): CaseEventMetadata {
  return event.metadata as unknown as CaseEventMetadata;
}
