export type PrivacyErrorCode =
  | 'PRIVACY.KEK_MISSING'
  | 'PRIVACY.KEK_WRONG'
  | 'PRIVACY.KEK_UNREADABLE'
  | 'PRIVACY.CIPHERTEXT_INVALID'
  | 'PRIVACY.CITIZEN_UNKNOWN'
  | 'PRIVACY.ALREADY_ERASED'
  | 'PRIVACY.CITIZEN_ERASED'
  | 'PRIVACY.ERASURE_INVALID';

/** A privacy failure in our own terms: a stable `code`, and whether retrying may help (never, here). */
export class PrivacyError extends Error {
  readonly retriable = false;
  constructor(
    readonly code: PrivacyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    // A key-encryption key problem stops the start, and the start prints the message alone: it names its code.
    super(code.startsWith('PRIVACY.KEK_') ? `${code}: ${message}` : message, options);
    this.name = 'PrivacyError';
  }
}
