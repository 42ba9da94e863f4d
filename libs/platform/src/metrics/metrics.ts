import { Controller, Get, Global, Header, Inject, Module, Res, type DynamicModule } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { METRICS, type Metrics } from '@passerelle/metrics';
import type { KafkaBusOptions } from '@passerelle/messaging';
import type { Response } from 'express';

/** The target's registry, injectable anywhere as METRICS. */
@Global()
@Module({})
export class MetricsModule {
  static forRoot(metrics: Metrics): DynamicModule {
    return { module: MetricsModule, providers: [{ provide: METRICS, useValue: metrics }], exports: [METRICS] };
  }
}

/**
 * GET /metrics in Prometheus' text format. Public like /health: it carries counts per
 * organization and code, nothing about a case or a person; keep it on the operators' network.
 */
@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(@Inject(METRICS) private readonly metrics: Metrics) {}

  @Get('metrics')
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.exposition();
    response.setHeader('Content-Type', contentType);
    response.send(body);
  }
}

/** Consumer-group lag on every topic the target consumes (inbound, outbound, receipts). */
export function consumerLagObserver(metrics: Metrics): NonNullable<KafkaBusOptions['onConsumerLag']> {
  const lag = metrics.gauge({
    name: 'passerelle_kafka_consumer_lag_messages',
    help: 'Messages of a topic partition not yet consumed by the group, as of its last batch',
    labelNames: ['group', 'topic', 'partition'],
  });
  return ({ groupId, topic, partition, messages }) => lag.set({ group: groupId, topic, partition: String(partition) }, messages);
}
