import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { RegistryError, type RegistryErrorCode } from '../registry/registry-error';

const STATUS: Record<RegistryErrorCode, HttpStatus> = {
  'SCHEMA.SUBJECT_NOT_FOUND': HttpStatus.NOT_FOUND,
  'SCHEMA.VERSION_NOT_FOUND': HttpStatus.NOT_FOUND,
  'SCHEMA.ID_NOT_FOUND': HttpStatus.NOT_FOUND,
  'SCHEMA.NOT_REGISTERED': HttpStatus.NOT_FOUND,
  'SCHEMA.INVALID_VERSION': HttpStatus.UNPROCESSABLE_ENTITY,
  'SCHEMA.INVALID_DOCUMENT': HttpStatus.UNPROCESSABLE_ENTITY,
  'SCHEMA.WRONG_VERSION': HttpStatus.CONFLICT,
  'SCHEMA.INCOMPATIBLE': HttpStatus.CONFLICT,
  'SCHEMA.CONCURRENT_REGISTRATION': HttpStatus.CONFLICT,
  'SCHEMA.INVALID_MODE': HttpStatus.BAD_REQUEST,
};

/** `{ code, message, ...details }` with the status the code implies. */
@Catch(RegistryError)
export class RegistryErrorFilter implements ExceptionFilter {
  catch(error: RegistryError, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(STATUS[error.code]).json({ code: error.code, message: error.message, ...error.details });
  }
}
