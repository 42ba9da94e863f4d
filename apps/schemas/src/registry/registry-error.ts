import type { Incompatibility, ValidationIssue } from '@passerelle/contracts';

export type RegistryErrorCode =
  | 'SCHEMA.SUBJECT_NOT_FOUND'
  | 'SCHEMA.VERSION_NOT_FOUND'
  | 'SCHEMA.ID_NOT_FOUND'
  | 'SCHEMA.NOT_REGISTERED'
  | 'SCHEMA.INVALID_VERSION'
  | 'SCHEMA.INVALID_DOCUMENT'
  | 'SCHEMA.WRONG_VERSION'
  | 'SCHEMA.INCOMPATIBLE'
  | 'SCHEMA.CONCURRENT_REGISTRATION'
  | 'SCHEMA.INVALID_MODE';

/** A registry refusal: a stable code, a sentence, and the details that explain it. */
export class RegistryError extends Error {
  constructor(
    readonly code: RegistryErrorCode,
    message: string,
    readonly details: { incompatibilities?: Incompatibility[]; errors?: ValidationIssue[] } = {},
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}
