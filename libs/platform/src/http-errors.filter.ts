import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

/**
 * Every HTTP error as `{ statusCode, code, message }`. Body-parser failures, which happen
 * before any controller runs, get codes of their own: the size limit and the JSON position.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  constructor(private readonly maxBodyBytes: number) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(error);
    response.status(status).json({ statusCode: status, ...body });
  }

  private describe(error: unknown): { status: number; body: Record<string, unknown> } {
    const parserType = (error as { type?: string })?.type;
    if (parserType === 'entity.too.large') {
      const length = (error as { length?: number }).length;
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        body: { code: 'REQUEST.TOO_LARGE', message: `the request body${length ? ` (${length} bytes)` : ''} is over the ${this.maxBodyBytes}-byte limit` },
      };
    }
    if (parserType === 'entity.parse.failed') {
      return { status: HttpStatus.BAD_REQUEST, body: { code: 'REQUEST.MALFORMED_JSON', message: `the request body is not valid JSON: ${(error as Error).message}` } };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const payload = error.getResponse();
      if (typeof payload === 'object' && payload !== null && 'code' in payload) return { status, body: payload as Record<string, unknown> };
      const message = typeof payload === 'string' ? payload : (payload as { message?: unknown }).message ?? error.message;
      return { status, body: { code: `HTTP.${status}`, message } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'INTERNAL', message: 'an unexpected error occurred; it has been logged' } };
  }
}
