import type { FailureKind } from './failure-kinds';

/**
 * One event sent to a verification thread. Its data and metadata travel as JSON text: a
 * string crosses to a thread as one copy, an object as a structured clone of every member,
 * which costs the reading thread about as much as checking the hash itself.
 */
export interface WorkItem {
  /** Its place in the main thread's reading order. */
  ordinal: number;
  revision: string;
  prevHash: string;
  hash: string;
  data: string;
  /** The hub's metadata: the signature, when received, and any record of sealed personal fields. */
  metadata: string;
  /** A case event: its publisher's signature and schema are checked too, when the thread was given them. */
  publisher: boolean;
}

export interface WorkResult {
  id: number;
  /** The chunk's first failure: its own hash, or its publisher's checks. */
  failure?: { ordinal: number; check: 'hash' | 'publisher'; kind: FailureKind; message: string };
  /** Events of the chunk judged by the hub's record of receipt (sealed personal fields). */
  attested: number;
}
