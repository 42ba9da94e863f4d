import { Catch, HttpException, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';

/** Told of every 401, 403 and 404 before it is answered (the access log of denials); its failure is the request's. */
/** `purpose`: the purpose a refused read stated, when the refusal is about it. */
export type RefusalListener = (request: Request, status: 401 | 403 | 404, body: { code: string; message: string; purpose?: string }) => Promise<void>;

/**
 * Every HTTP error as `{ statusCode, code, message }`. Body-parser failures, which happen
 * before any controller runs, get codes of their own: the size limit and the JSON position.
 */
@Catch()
export class HttpErrorsFilter implements ExceptionFilter {
  constructor(
    private readonly maxBodyBytes: number,
    private readonly onRefused?: RefusalListener,
  ) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const { status, body } = this.describe(error);
    const answer = () => response.status(status).json({ statusCode: status, ...body });
    if (!this.onRefused || (status !== 401 && status !== 403 && status !== 404)) {
      answer();
      return;
    }
    // Recorded before it is answered: a caller who got the refusal finds it in the log.
    this.onRefused(http.getRequest<Request>(), status, { code: String(body.code), message: String(body.message), ...(typeof body.purpose === 'string' ? { purpose: body.purpose } : {}) }).then(answer, () => {
      response.status(HttpStatus.SERVICE_UNAVAILABLE).json({ statusCode: 503, code: 'STORE.UNAVAILABLE', message: 'the refusal could not be recorded; try again' });
    });
  }

  private describe(error: unknown): { status: number; body: Record<string, unknown> } {
    // The Express adapter wraps body-parser's errors in an HttpException; the parser's own
    // error (its `type`, the length it read) is the cause.
    const parserError = (error instanceof HttpException ? error.cause : error) as { type?: string; length?: number; message?: string } | undefined;
    const parserType = parserError?.type;
    if (parserType === 'entity.too.large') {
      const length = parserError?.length;
      return {
        status: HttpStatus.PAYLOAD_TOO_LARGE,
        body: { code: 'REQUEST.TOO_LARGE', message: `the request body${length ? ` (${length} bytes)` : ''} is over the ${this.maxBodyBytes}-byte limit` },
      };
    }
    if (parserType === 'entity.parse.failed') {
      return { status: HttpStatus.BAD_REQUEST, body: { code: 'REQUEST.MALFORMED_JSON', message: `the request body is not valid JSON: ${parserError?.message}` } };
    }
    if (error instanceof HttpException) {
      const status = error.getStatus();
      const payload = error.getResponse();
      if (typeof payload === 'string') return { status, body: { code: `HTTP.${status}`, message: payload } };
      // An object keeps what it says (a readiness report's `info` and `error`, a refusal's
      // details); it gets a code and a message when it has none.
      const object = payload as Record<string, unknown>;
      return { status, body: { code: `HTTP.${status}`, message: error.message, ...object } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { code: 'INTERNAL', message: 'an unexpected error occurred; it has been logged' } };
  }
}
