/**
 * The hub's answer to one inbound event, on `passerelle.receipts.<organization>` and from the
 * gateway: accepted with where the event now stands in its case, or rejected with why.
 */
interface ReceiptBase {
  /** The envelope's id; null when the message could not be read far enough to know it. */
  eventId: string | null;
  caseId: string | null;
  /** The organization whose inbound topic carried the event. */
  organization: string;
  /** When the hub received it (ISO 8601). */
  receivedAt: string;
  /** The sender's `passerelle-submission` header, when it sent one. */
  submissionId?: string;
}

export interface AcceptedReceipt extends ReceiptBase {
  status: 'accepted';
  /** The event's revision in its case stream (0-based). */
  revision: number;
  /** Its position in the hub's global log. */
  position: number;
  /** Its link in the case's hash chain. */
  hash: string;
}

export interface ReceiptError {
  /** JSON pointer into the envelope as sent. */
  pointer: string;
  keyword?: string;
  message: string;
}

export interface RejectedReceipt extends ReceiptBase {
  status: 'rejected';
  /** A stable code, e.g. SCHEMA.INVALID, SIGNATURE.INVALID, CASE.NOT_A_PARTICIPANT. */
  code: string;
  reason: string;
  errors?: ReceiptError[];
}

export type Receipt = AcceptedReceipt | RejectedReceipt;
