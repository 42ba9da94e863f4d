import { HttpStatus } from '@nestjs/common';

/** The HTTP status that tells an HTTP publisher what kind of refusal its receipt holds. */
export function statusOfRejection(code: string): HttpStatus {
  if (code === 'ENVELOPE.TOO_LARGE') return HttpStatus.PAYLOAD_TOO_LARGE;
  if (code === 'ENVELOPE.MALFORMED' || code.startsWith('MESSAGE.')) return HttpStatus.BAD_REQUEST;
  if (code.startsWith('SCHEMA.')) return HttpStatus.UNPROCESSABLE_ENTITY;
  if (code === 'TOKEN.ROLE_MISSING' || code === 'TOKEN.WRONG_ORGANIZATION') return HttpStatus.FORBIDDEN;
  if (code.startsWith('TOKEN.') || code.startsWith('SIGNATURE.')) return HttpStatus.UNAUTHORIZED;
  if (code === 'CASE.NOT_FOUND') return HttpStatus.NOT_FOUND;
  if (code === 'CASE.REVISION_CONFLICT') return HttpStatus.PRECONDITION_FAILED;
  if (code === 'CASE.NOT_A_PARTICIPANT' || code === 'CASE.NOT_AUTHORIZED' || code === 'CASE.ACTS_FOR_ANOTHER' || code === 'EVENT.SOURCE_MISMATCH') return HttpStatus.FORBIDDEN;
  return HttpStatus.CONFLICT;
}
