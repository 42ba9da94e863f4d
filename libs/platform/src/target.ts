import { Global, Module, type DynamicModule, type InjectionToken, type Type } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule, SQL_DATABASE, type DatabaseOptions } from '@passerelle/database';
import { EventStoreModule, type EventStore } from '@passerelle/event-store';
import { OpeningEventStore, PERSONAL_DATA, PrivacyModule, type PersonalData } from '@passerelle/privacy';
import { MESSAGE_BUS, MessagingModule, type MessagingOptions } from '@passerelle/messaging';
import { Metrics } from '@passerelle/metrics';
import { ConfigError, type PlatformConfig } from './config';
import { AccessDenialsModule } from './access/access-denials';
import { kafkaConnection } from './kafka-connection';
import { IdentityModule } from './auth/identity.module';
import { HealthController, READINESS_DEPENDENCIES, type Dependency } from './health/health.controller';
import { consumerLagObserver, MetricsController, MetricsModule } from './metrics/metrics';

/** A module of the hub (ledger, relay, …) and the infrastructure it needs to run. */
export interface Component {
  name: string;
  module: Type | DynamicModule;
  /**
   * store: the SQL database; bus: the message bus; events: the event store (case streams);
   * identity: verifies callers' tokens against the federation, which lives in the store.
   */
  needs: ReadonlyArray<'store' | 'bus' | 'events' | 'identity'>;
}

export const PLATFORM_CONFIG = Symbol('PLATFORM_CONFIG');

/** The target's configuration, injectable anywhere as PLATFORM_CONFIG. */
@Global()
@Module({})
class PlatformConfigModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return { module: PlatformConfigModule, providers: [{ provide: PLATFORM_CONFIG, useValue: config }], exports: [PLATFORM_CONFIG] };
  }
}

/**
 * Composes a runnable target from components, like one binary with many targets: each app's
 * main runs its own component; the hub runs all of them in one process over the same store
 * and bus. Only the infrastructure some component needs is opened.
 */
export function composeTarget(name: string, components: readonly Component[], config: PlatformConfig): DynamicModule {
  const needs = new Set(components.flatMap((c) => c.needs));
  if (needs.has('identity')) needs.add('store');
  if (needs.has('events')) needs.add('store');
  if (needs.has('bus') && config.bus.kind === 'memory' && components.length === 1 && name !== 'hub') {
    throw new ConfigError(
      `the ${name} target runs alone, so it needs KAFKA_BROKERS: the in-process bus only links modules inside one process (run the hub for embedded mode)`,
    );
  }

  // Every target serves GET /metrics; each component registers its own metrics on this one.
  const metrics = new Metrics();
  const imports: DynamicModule['imports'] = [TerminusModule.forRoot({ logger: false }), PlatformConfigModule.forRoot(config), MetricsModule.forRoot(metrics)];
  const checks: Array<[string, InjectionToken]> = [];
  if (needs.has('store')) {
    const options: DatabaseOptions =
      config.store.kind === 'postgres'
        ? { kind: 'postgres', url: config.store.url, applicationName: `passerelle-${name}` }
        : { kind: 'pglite', dataDir: config.store.dataDir };
    imports.push(DatabaseModule.forRoot(options));
    checks.push(['database', SQL_DATABASE]);
  }
  if (needs.has('bus')) {
    const options: MessagingOptions =
      config.bus.kind === 'kafka' ? { kind: 'kafka', client: config.bus.client, ...kafkaConnection(config.bus, name), onConsumerLag: consumerLagObserver(metrics) } : config.bus;
    imports.push(MessagingModule.forRoot(options));
    checks.push(['bus', MESSAGE_BUS]);
  }
  if (needs.has('events')) {
    // Readers see personal fields opened (or erased); auditors also get the store as it is.
    const opening = { inject: [PERSONAL_DATA], wrap: (store: EventStore, personal: PersonalData) => new OpeningEventStore(store, personal) };
    imports.push(PrivacyModule.forRoot({ kekFile: config.kekFile }), EventStoreModule.forRoot(config.events.kind === 'esdb' ? config.events : { kind: 'sql' }, opening), AccessDenialsModule);
  }
  if (needs.has('identity')) imports.push(IdentityModule.forRoot(config.tokens));
  imports.push(...components.map((c) => c.module));

  @Module({})
  class TargetModule {}

  return {
    module: TargetModule,
    imports,
    controllers: [HealthController, MetricsController],
    providers: [
      {
        provide: READINESS_DEPENDENCIES,
        inject: checks.map(([, token]) => token),
        useFactory: (...deps: Dependency[]) => checks.map(([check], i) => [check, deps[i]]),
      },
    ],
  };
}
