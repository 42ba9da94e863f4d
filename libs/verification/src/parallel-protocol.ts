import type { FailureKind } from './failure-kinds';

/** One case event sent to a verification thread. */
export interface WorkItem {
  /** Its place in the main thread's reading order. */
  ordinal: number;
  revision: string;
  envelope: Record<string, unknown>;
  signature: string | undefined;
  receivedAt: string;
}

export interface WorkResult {
  id: number;
  failure?: { ordinal: number; kind: FailureKind; message: string };
}
