import { Command } from '@nestjs/cqrs';
import type { CaseEventEnvelope } from '@passerelle/contracts';
import type { Category, Rejection } from '../domain/case-file';

/** One screened inbound event: its publisher and signature proven, its envelope valid. */
export interface Submission {
  envelope: CaseEventEnvelope;
  signature: string;
  /** The organization, proven by token and signature. */
  publisher: string;
  /** The token's subject. */
  publishedBy: string;
  category: Category;
  /** Pointers (into the envelope) of the fields its schema classifies as personal: sealed before it is stored. */
  personalFields?: readonly string[];
  /** ISO 8601 */
  receivedAt: string;
  /** Echoed in the receipt: the sender's id for this sending. */
  submissionId?: string;
  /** The case revision the publisher expects to follow (If-Match), when it said one. */
  expectedRevision?: bigint;
  /** W3C traceparent of the ledger's span for this message: kept with the event, so the relay continues its trace. */
  traceparent?: string;
}

export type Outcome =
  | { status: 'accepted'; revision: bigint; position: bigint; hash: string }
  | { status: 'rejected'; code: Rejection['code'] | 'CASE.REVISION_CONFLICT' | 'EVENT.ID_REUSED' | 'CITIZEN.UNKNOWN_PSEUDONYM' | 'PRIVACY.CITIZEN_ERASED'; reason: string; pointer?: string };

/** One case's events, in the order they arrived. */
export interface CaseSubmissions {
  caseId: string;
  submissions: readonly Submission[];
}

/**
 * Record these events: each case's in their order, each decided on the case as the ones
 * before it left it; the accepted ones of all cases are appended together. One outcome per
 * submission, per case.
 */
export class RecordCaseEvents extends Command<Outcome[][]> {
  constructor(readonly cases: readonly CaseSubmissions[]) {
    super();
  }
}
