import { Module } from '@nestjs/common';
import { DemoTokensController } from './http/demo-tokens.controller';
import { FederationController } from './http/federation.controller';
import { DemoFederation } from './registry/demo-federation';
import { FederationRegistry } from './registry/federation-registry';

/** Member organizations, their issuers, keys (with validity history) and roles. */
@Module({
  controllers: [FederationController, DemoTokensController],
  providers: [FederationRegistry, DemoFederation],
})
export class FederationModule {}
