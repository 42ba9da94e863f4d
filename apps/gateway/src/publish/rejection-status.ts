import { HttpStatus } from '@nestjs/common';
import { denialStatusOf } from '@passerelle/contracts';

/** The HTTP status that tells an HTTP publisher what kind of refusal its receipt holds. */
export function statusOfRejection(code: string): HttpStatus {
  if (code === 'ENVELOPE.TOO_LARGE') return HttpStatus.PAYLOAD_TOO_LARGE;
  if (code === 'ENVELOPE.MALFORMED' || code.startsWith('MESSAGE.')) return HttpStatus.BAD_REQUEST;
  if (code.startsWith('SCHEMA.') || code === 'ACCESS.UNKNOWN_PURPOSE' || code === 'CITIZEN.UNKNOWN_PSEUDONYM') return HttpStatus.UNPROCESSABLE_ENTITY;
  // Who may publish (401, 403, 404): the same statuses the access log records them with.
  const denial = denialStatusOf(code);
  if (denial !== undefined) return denial;
  if (code === 'CASE.REVISION_CONFLICT') return HttpStatus.PRECONDITION_FAILED;
  return HttpStatus.CONFLICT;
}
