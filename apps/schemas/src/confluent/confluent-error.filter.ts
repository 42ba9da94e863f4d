import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { RegistryError, type RegistryErrorCode } from '../registry/registry-error';
import { SCHEMA_REGISTRY_RESPONSE_TYPE } from './registry-media-types';

/** The Confluent Schema Registry's status and `error_code` for each refusal of ours. */
export const CONFLUENT_ERRORS: Record<RegistryErrorCode, { status: HttpStatus; errorCode: number }> = {
  'SCHEMA.SUBJECT_NOT_FOUND': { status: HttpStatus.NOT_FOUND, errorCode: 40401 },
  'SCHEMA.VERSION_NOT_FOUND': { status: HttpStatus.NOT_FOUND, errorCode: 40402 },
  'SCHEMA.ID_NOT_FOUND': { status: HttpStatus.NOT_FOUND, errorCode: 40403 },
  'SCHEMA.NOT_REGISTERED': { status: HttpStatus.NOT_FOUND, errorCode: 40403 },
  'SCHEMA.INVALID_DOCUMENT': { status: HttpStatus.UNPROCESSABLE_ENTITY, errorCode: 42201 },
  'SCHEMA.WRONG_VERSION': { status: HttpStatus.UNPROCESSABLE_ENTITY, errorCode: 42201 },
  'SCHEMA.INVALID_VERSION': { status: HttpStatus.UNPROCESSABLE_ENTITY, errorCode: 42202 },
  'SCHEMA.INVALID_MODE': { status: HttpStatus.UNPROCESSABLE_ENTITY, errorCode: 42203 },
  'SCHEMA.INCOMPATIBLE': { status: HttpStatus.CONFLICT, errorCode: 409 },
  'SCHEMA.CONCURRENT_REGISTRATION': { status: HttpStatus.CONFLICT, errorCode: 409 },
};

/** `{ error_code, message }`, as Confluent clients read it; our own `code` rides along. */
@Catch(RegistryError)
export class ConfluentErrorFilter implements ExceptionFilter {
  catch(error: RegistryError, host: ArgumentsHost): void {
    const { status, errorCode } = CONFLUENT_ERRORS[error.code];
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(status)
      .type(SCHEMA_REGISTRY_RESPONSE_TYPE)
      .send(JSON.stringify({ error_code: errorCode, message: error.message, code: error.code, ...error.details }));
  }
}
