import type { FailureKind } from './history';

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

/** How an identity error reads as a verification failure. */
export function signatureFailure(code: string): FailureKind {
  switch (code) {
    case 'SIGNATURE.KEY_UNKNOWN':
    case 'SIGNATURE.SOURCE_UNKNOWN':
      return 'unknown-key';
    case 'SIGNATURE.KEY_REVOKED':
      return 'revoked-key';
    case 'SIGNATURE.KEY_NOT_VALID_AT_TIME':
      return 'key-not-valid';
    default:
      return 'bad-signature';
  }
}
