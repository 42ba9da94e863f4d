import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { parseStrictJson } from '@passerelle/contracts';
import { SQL_DATABASE, identifyInstance, type SqlDatabase } from '@passerelle/database';
import { startTracing, type Tracing } from '@passerelle/telemetry';
import type { AddressInfo } from 'node:net';
import { loadConfig } from './config';
import type { Logger } from 'pino';
import { HttpErrorsFilter, type RefusalListener } from './http-errors.filter';
import { AccessDenials } from './access/access-denials';
import type { AccessDenial } from '@passerelle/contracts';
import type { VerifiedCaller } from '@passerelle/identity';
import type { Request } from 'express';
import { ACCEPTED_MEDIA_TYPES, limitRequestHeaders, refuseUnsupportedMediaTypes } from './http-limits';
import { openApiDocument } from './openapi';
import { createLogger, NestPinoLogger } from './logging';
import { composeTarget, type Component } from './target';

export interface RunningTarget {
  app: INestApplication;
  /** Where the HTTP server listens, e.g. http://127.0.0.1:3000 */
  url: string;
}

/** A start-up failure that is fully explained by its message: printed as one line. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * Starts a target: reads the configuration, opens what its components need, serves HTTP
 * with /health/live and /health/ready, and closes everything on SIGTERM or SIGINT.
 * Anything opened before a failure is closed again before the error is thrown.
 */
export async function runTarget(name: string, components: readonly Component[], env: NodeJS.ProcessEnv = process.env): Promise<RunningTarget> {
  const config = loadConfig(env, `passerelle-${name}`);
  const logger = createLogger(name, config.logLevel);
  // Before anything else, so every span of the start-up has a provider; never fails the start.
  const tracing = await startTracing(name, config.tracing, { info: (msg, fields) => logger.info(fields ?? {}, msg), warn: (msg, fields) => logger.warn(fields ?? {}, msg) }, env);
  let app: INestApplication | undefined;
  try {
    const nest = await NestFactory.create<NestExpressApplication>(composeTarget(name, components, config), {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
      // Only the JSON parser below: Nest's default urlencoded parser would turn a form into an object.
      bodyParser: false,
    });
    app = nest;
    // Strict JSON, as on the bus: a key twice in one object, or absurd nesting, is refused.
    // body-parser's own `verify` hook (Nest's typing leaves it out; we use no raw body).
    const json = {
      limit: config.http.maxBodyBytes,
      type: [...ACCEPTED_MEDIA_TYPES],
      verify: (_request: unknown, _response: unknown, body: Buffer) => {
        const parsed = parseStrictJson(body.toString('utf8'));
        if ('error' in parsed) throw Object.assign(new SyntaxError(parsed.error), { type: 'entity.parse.failed', status: 400 });
      },
    };
    limitRequestHeaders(nest.getHttpServer(), config.http.maxHeaderBytes);
    nest.use(refuseUnsupportedMediaTypes);
    nest.useBodyParser('json', json);
    // Forms reach only FORM_ROUTES (the OAuth token endpoint): the middleware above refuses
    // them everywhere else. Flat fields; a field given twice becomes a list the route refuses.
    nest.useBodyParser('urlencoded', { limit: config.http.maxBodyBytes, extended: false });
    nest.useGlobalFilters(new HttpErrorsFilter(config.http.maxBodyBytes, denialsRecorder(nest)));
    SwaggerModule.setup('docs', nest, () => openApiDocument(nest, name, `The ${name} target: ${components.map((c) => c.name).join(', ')}`));

    const details: Record<string, unknown> = { store: config.store.kind, bus: config.bus.kind, ...(config.bus.kind === 'kafka' ? { kafkaClient: config.bus.client } : {}) };
    if (components.some((c) => c.needs.includes('store'))) {
      const db = app.get<SqlDatabase>(SQL_DATABASE);
      const instance = await identifyInstance(db);
      Object.assign(details, { data: db.location, instance: instance.instanceId, createdAt: instance.createdAt.toISOString() });
    }

    await listen(app, config.http.host, config.http.port);
    const address = app.getHttpServer().address() as AddressInfo;
    const url = `http://${config.http.host}:${address.port}`;
    logger.info({ url, components: components.map((c) => c.name), ...details }, `${name} listening on ${url}`);
    stopOnSignals(name, app, logger, tracing);
    return { app, url };
  } catch (err) {
    await app?.close().catch(() => undefined);
    await tracing.shutdown();
    throw err;
  }
}

/**
 * Where the target has the event store: every 401/403/404 on a route about one case
 * (`/cases/:caseId…`) goes to that case's access log, with who asked (when a token said) and why.
 */
function denialsRecorder(app: INestApplication): RefusalListener | undefined {
  let denials: AccessDenials;
  try {
    denials = app.get(AccessDenials, { strict: false });
  } catch {
    return undefined; // a target without the event store keeps no access log
  }
  return async (request, status, body) => {
    const caseId = (request.params as Record<string, string> | undefined)?.caseId;
    if (typeof caseId !== 'string') return;
    const who = (request as Request & { caller?: VerifiedCaller; refusedCaller?: VerifiedCaller }).caller ?? (request as { refusedCaller?: VerifiedCaller }).refusedCaller;
    const denial: AccessDenial = {
      action: request.method === 'GET' || request.method === 'HEAD' ? 'read' : 'publish',
      organization: who?.organization.id ?? null,
      subject: who?.subject ?? null,
      status,
      code: body.code,
      reason: body.message.slice(0, 500),
      target: `${request.method} ${request.path}`.slice(0, 300),
      ...(body.purpose !== undefined ? { purpose: body.purpose.slice(0, 60) } : {}),
      at: new Date().toISOString(),
    };
    await denials.record([{ caseId, denial }]);
  };
}

const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * On SIGTERM or SIGINT: close the application (HTTP server, consumers, producers, pools) and
 * let the process end by itself. Ending with status 0 then proves nothing was left open; if
 * closing hangs, exit 1 after a bound so an orchestrator is not kept waiting.
 */
function stopOnSignals(name: string, app: INestApplication, logger: Logger, tracing: Tracing): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    // The same signal may come twice: Ctrl-C reaches the whole process group, and npm forwards
    // its own copy to its child. Once stopping, a repeat changes nothing (the bound below holds).
    if (stopping) {
      logger.info({ signal }, `${name} is stopping already`);
      return;
    }
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const timer = setTimeout(() => {
      logger.error(`${name} did not stop within ${SHUTDOWN_TIMEOUT_MS / 1000} s; exiting`);
      process.exit(1);
    }, SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    app.close().then(
      async () => {
        await tracing.shutdown();
        logger.info(`${name} stopped`);
      },
      (err: unknown) => {
        logger.error({ err }, `${name} failed to stop cleanly`);
        process.exitCode = 1;
      },
    );
  };
  // Signal listeners do not keep the process alive: once closed, it ends by itself.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function listen(app: INestApplication, host: string, port: number): Promise<void> {
  try {
    await app.listen(port, host);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new StartupError(`port ${port} on ${host} is already in use: stop what holds it, or set PORT to a free port`);
    }
    throw err;
  }
}

/**
 * The entry point of every app's main.ts: on failure prints one line saying what went wrong
 * and how to fix it, and exits with status 1.
 */
export function main(name: string, components: readonly Component[]): void {
  runTarget(name, components).catch((err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`passerelle ${name}: cannot start: ${message}\n`);
    process.exit(1);
  });
}
