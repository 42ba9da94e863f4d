import { DEFAULT_TOKEN_POLICY } from '@passerelle/identity';
import type { NextFunction, Request, Response } from 'express';
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The media types a request body may have: the JSON ones the API documents, with or without
 * parameters (`; charset=utf-8`). Anything else is never parsed: a form-encoded body would
 * otherwise reach controllers as an object and skip the strict-JSON checks.
 */
export const JSON_MEDIA_TYPES = ['application/json', 'application/cloudevents+json'] as const;

/**
 * The Confluent Schema Registry API's request types, which its clients send to the schemas
 * component's Confluent-compatible routes (/ccompat). JSON too, parsed as JSON.
 */
export const SCHEMA_REGISTRY_MEDIA_TYPES = ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json'] as const;

/** Every request media type a body may have; each is parsed as strict JSON. */
export const ACCEPTED_MEDIA_TYPES: readonly string[] = [...JSON_MEDIA_TYPES, ...SCHEMA_REGISTRY_MEDIA_TYPES];

/**
 * The one route that takes a form: OAuth's token endpoint, whose requests are
 * `application/x-www-form-urlencoded` by RFC 6749 §4.1.3 and RFC 8693 §2.1. Everywhere else a
 * form is refused.
 */
export const FORM_ROUTES: readonly string[] = ['/oauth/token'];
const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/** The media type of a Content-Type header, lower-cased, without its parameters. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  return type ? type : undefined;
}

/** Whether a request carries a body (RFC 9112 §6.3: a Transfer-Encoding, or a Content-Length above 0). */
function hasBody(request: Request): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  return !Number.isFinite(length) || length > 0;
}

/** Express middleware, before any body parser: a body that is not JSON is 415 REQUEST.UNSUPPORTED_MEDIA_TYPE. */
export function refuseUnsupportedMediaTypes(request: Request, response: Response, next: NextFunction): void {
  if (!hasBody(request)) return next();
  const type = mediaTypeOf(request.headers['content-type']);
  if (type !== undefined && ACCEPTED_MEDIA_TYPES.includes(type)) return next();
  if (type === FORM_MEDIA_TYPE && FORM_ROUTES.includes(request.path)) return next();
  // The body is not read: say so and close, rather than drain what may be large.
  response.setHeader('connection', 'close');
  response.status(415).json({
    statusCode: 415,
    code: 'REQUEST.UNSUPPORTED_MEDIA_TYPE',
    message: `${type === undefined ? 'a request body without a Content-Type' : `a request body of type ${type.slice(0, 80)}`} is not accepted: send JSON as ${JSON_MEDIA_TYPES.join(' or ')}`,
  });
}

/**
 * Caps the size of a request's headers (Node's `maxHeaderSize`, applied to each new
 * connection's parser) and answers a request over it with a coded JSON error rather than
 * Node's bare 431: TOKEN.TOO_LARGE when the Authorization header alone is over the token
 * cap, REQUEST.HEADERS_TOO_LARGE otherwise. Other malformed requests get a coded 400.
 */
export function limitRequestHeaders(server: Server, maxHeaderBytes: number): void {
  // Read by Node for each new connection (the `maxHeaderSize` server option, which Nest's
  // adapter does not pass through; @types/node leaves the property out).
  (server as Server & { maxHeaderSize: number }).maxHeaderSize = maxHeaderBytes;
  server.on('clientError', (err: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex) => {
    if (!socket.writable || (socket as Duplex & { _httpMessage?: unknown })._httpMessage) {
      socket.destroy();
      return;
    }
    let status = 400;
    let body: Record<string, unknown> = { code: 'REQUEST.MALFORMED', message: 'the request is not valid HTTP/1.1' };
    if (err.code === 'HPE_HEADER_OVERFLOW') {
      status = 431;
      const authorization = authorizationLength(err.rawPacket);
      body =
        authorization > DEFAULT_TOKEN_POLICY.maxTokenBytes
          ? { code: 'TOKEN.TOO_LARGE', message: `the token is over the ${DEFAULT_TOKEN_POLICY.maxTokenBytes}-byte limit` }
          : { code: 'REQUEST.HEADERS_TOO_LARGE', message: `the request headers are over the ${maxHeaderBytes}-byte limit` };
    }
    const json = JSON.stringify({ statusCode: status, ...body });
    socket.end(
      `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(json)}\r\nconnection: close\r\n\r\n${json}`,
    );
  });
}

/** The length of the Authorization header's value in what was received (to the end of what arrived). */
function authorizationLength(raw: Buffer | undefined): number {
  if (!raw) return 0;
  const text = raw.toString('latin1');
  const match = /\r\nauthorization[ \t]*:/i.exec(text);
  if (!match) return 0;
  const start = match.index + match[0].length;
  const end = text.indexOf('\r\n', start);
  return (end < 0 ? text.length : end) - start;
}
