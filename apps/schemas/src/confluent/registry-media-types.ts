import { HttpException, HttpStatus, Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { parseStrictJson } from '@passerelle/contracts';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import type { NextFunction, Request, Response } from 'express';

/**
 * The request media types of the Confluent Schema Registry API, which its clients send
 * (`Content-Type: application/vnd.schemaregistry.v1+json` from most of them). Accepted on the
 * Confluent-compatible routes only; everywhere else the hub speaks application/json.
 */
export const SCHEMA_REGISTRY_MEDIA_TYPES = ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json'] as const;

/** What the Confluent-compatible routes answer with, as the Confluent registry does. */
export const SCHEMA_REGISTRY_RESPONSE_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * Reads a body sent as one of SCHEMA_REGISTRY_MEDIA_TYPES that the hub's application/json
 * parser left unread: the same size limit and the same strict JSON (no key twice).
 */
@Injectable()
export class SchemaRegistryBodyMiddleware implements NestMiddleware {
  constructor(@Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig) {}

  use(request: Request, _response: Response, next: NextFunction): void {
    const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const alreadyRead = (request as Request & { _body?: boolean })._body === true;
    if (alreadyRead || type === 'application/json' || !SCHEMA_REGISTRY_MEDIA_TYPES.includes(type as never)) return next();
    const limit = this.config.http.maxBodyBytes;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      request.removeAllListeners('data');
      request.resume();
      next(error);
    };
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(new HttpException({ code: 'REQUEST.TOO_LARGE', message: `the request body is over the ${limit}-byte limit` }, HttpStatus.PAYLOAD_TOO_LARGE));
      else chunks.push(chunk);
    });
    request.on('error', fail);
    request.on('end', () => {
      if (failed) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.length === 0) return next();
      const parsed = parseStrictJson(text);
      if ('error' in parsed) return fail(new HttpException({ code: 'REQUEST.MALFORMED_JSON', message: `the request body is not valid JSON: ${parsed.error}` }, HttpStatus.BAD_REQUEST));
      request.body = parsed.value;
      (request as Request & { _body?: boolean })._body = true;
      next();
    });
  }
}
