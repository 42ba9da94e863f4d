import { Module } from '@nestjs/common';
import { PLATFORM_CONFIG, type PlatformConfig } from '@passerelle/platform';
import { DemoTokensController } from './http/demo-tokens.controller';
import { FederationController } from './http/federation.controller';
import { KafkaAccessReconciler } from './kafka/kafka-access.reconciler';
import { KAFKA_TOKEN_ISSUER, openKafkaTokenIssuer } from './kafka/kafka-token-issuer';
import { TokenExchangeController } from './kafka/token-exchange.controller';
import { DemoFederation } from './registry/demo-federation';
import { FederationRegistry } from './registry/federation-registry';

/**
 * Member organizations, their issuers, keys (with validity history) and roles; and what
 * follows from them on Kafka: the hub's Kafka tokens (token exchange, JWKS) and the ACLs.
 */
@Module({
  controllers: [FederationController, DemoTokensController, TokenExchangeController],
  providers: [
    FederationRegistry,
    DemoFederation,
    { provide: KAFKA_TOKEN_ISSUER, inject: [PLATFORM_CONFIG], useFactory: (config: PlatformConfig) => openKafkaTokenIssuer(config) },
    KafkaAccessReconciler,
  ],
})
export class FederationModule {}
