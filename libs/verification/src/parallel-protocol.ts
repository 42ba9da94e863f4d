import type { FailureKind } from './failure-kinds';

/** One case event sent to a verification thread. */
export interface WorkItem {
  /** Its place in the main thread's reading order. */
  ordinal: number;
  revision: string;
  envelope: Record<string, unknown>;
  /** The hub's metadata: the signature, when received, and any record of sealed personal fields. */
  metadata: Record<string, unknown>;
}

export interface WorkResult {
  id: number;
  failure?: { ordinal: number; kind: FailureKind; message: string };
  /** Events of the chunk judged by the hub's record of receipt (sealed personal fields). */
  attested: number;
}
