import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';

/** Something the target needs in order to serve: the database, the bus. */
export interface Dependency {
  ping(): Promise<Record<string, unknown>>;
}

export const READINESS_DEPENDENCIES = Symbol('READINESS_DEPENDENCIES');
export type NamedDependencies = Array<[name: string, dependency: Dependency]>;

const PING_TIMEOUT_MS = 3_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_DEPENDENCIES) private readonly dependencies: NamedDependencies,
  ) {}

  /** The process runs and its event loop answers; says nothing about dependencies. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness: the process runs and answers' })
  @ApiOkResponse({ schema: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] } } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** 200 when every dependency answers within a few seconds, 503 naming the ones that do not. */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Readiness: 200 when every dependency (store, bus) answers, 503 naming those that do not' })
  ready() {
    return this.health.check(
      this.dependencies.map(
        ([name, dependency]) =>
          () =>
            this.indicators
              .check(name)
              .attempt(() => dependency.ping())
              .withTimeout(PING_TIMEOUT_MS),
      ),
    );
  }
}
