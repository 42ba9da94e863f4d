/**
 * A case's access log: stream `access-<caseid>` in the event store, hash-chained like the case,
 * holding every read of the case (CaseViewed, written by the views) and every refused attempt to
 * read it or publish to it (AccessDenied, written where the refusal is made: the HTTP layer and
 * the ledger), so that probing shows. The case's owner and auditors read it.
 */
export const ACCESS_STREAM_PREFIX = 'access-';

export const accessStreamId = (caseId: string): string => `${ACCESS_STREAM_PREFIX}${caseId}`;

export const CASE_VIEWED = 'passerelle.access.CaseViewed';
export const ACCESS_DENIED = 'passerelle.access.AccessDenied';

/** One read of a case by an organization. */
export interface CaseRead {
  organization: string;
  /** The token's subject: the agent or system that read. */
  subject: string;
  /**
   * Why: the catalogue purpose the caller stated (Passerelle-Purpose header, service-delivery
   * when it stated none). Reads logged before purposes were bound hold the header's free text.
   */
  purpose: string;
  /** The free text after the purpose (`service-delivery; licence photo`). */
  note?: string;
  /** Served: a grant (or ownership) covered the purpose. Refused reads are `denied` entries. */
  outcome?: 'served';
  /**
   * Where the case was read when not by `GET /cases/{id}`: in the caller's list of cases (its
   * summary: id, title, status, owner, head) or on its event stream (the first event of the case
   * a connection sent).
   */
  via?: 'list' | 'stream';
  /** The case revision the answer reflected. */
  revision: number;
  at: string;
}

/** One refused attempt on a case. */
export interface AccessDenial {
  /** What was attempted. */
  action: 'read' | 'publish';
  /** Who: the caller's organization (for a publish, the inbound topic's), null when no valid token said. */
  organization: string | null;
  /** The token's subject, when a valid token said. */
  subject: string | null;
  /** The HTTP status the refusal is (or would be, on Kafka). */
  status: 401 | 403 | 404;
  code: string;
  reason: string;
  /** What was asked: `GET /cases/<id>` (`GET /cases`, `GET /events/stream` for a case left out of a list or a stream), or the event id published. */
  target: string;
  /** The purpose a refused read stated (ACCESS.PURPOSE_NOT_GRANTED). */
  purpose?: string;
  at: string;
}

/**
 * Whether a refusal denies access (authentication, authorization, need-to-know) rather than
 * judging the content, and as which HTTP status: what the access log records.
 */
export function denialStatusOf(code: string): AccessDenial['status'] | undefined {
  if (code === 'CASE.NOT_FOUND') return 404;
  if (code === 'TOKEN.ROLE_MISSING' || code === 'TOKEN.WRONG_ORGANIZATION' || code === 'ACCESS.PURPOSE_NOT_GRANTED') return 403;
  if (code === 'CASE.NOT_A_PARTICIPANT' || code === 'CASE.NOT_AUTHORIZED' || code === 'CASE.ACTS_FOR_ANOTHER' || code === 'EVENT.SOURCE_MISMATCH') return 403;
  if (code.startsWith('TOKEN.') || code.startsWith('SIGNATURE.')) return 401;
  return undefined;
}
