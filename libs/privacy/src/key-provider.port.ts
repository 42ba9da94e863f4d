/**
 * Holds the key-encryption key (KEK) that wraps every citizen's data key. The default keeps it
 * in a local file; a KMS or HSM provider implements the same port, so the KEK never has to
 * leave it (wrap and unwrap are then calls to the KMS).
 */
export interface KeyProvider {
  /** Names the KEK (never reveals it): stored beside each wrapped key, so a wrong KEK is told at start. */
  readonly kekId: string;
  /** Wraps a data key, bound to `context` (the citizen it belongs to). */
  wrap(dataKey: Buffer, context: string): Promise<Buffer>;
  /** Unwraps it; PRIVACY.KEK_WRONG when this KEK did not wrap it (or it was altered). */
  unwrap(wrapped: Buffer, context: string): Promise<Buffer>;
}

export const KEY_PROVIDER = Symbol('KEY_PROVIDER');
