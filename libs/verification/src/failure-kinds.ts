export type FailureKind =
  | 'modified'
  | 'reordered'
  | 'missing'
  | 'truncated'
  | 'bad-signature'
  | 'unknown-key'
  | 'revoked-key'
  | 'key-not-valid'
  | 'schema-invalid'
  | 'checkpoint-mismatch';

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
