import { Module } from '@nestjs/common';
import { FederationController } from './http/federation.controller';
import { DemoFederation } from './registry/demo-federation';
import { FederationRegistry } from './registry/federation-registry';

/** Member organizations, their issuers, keys (with validity history) and roles. */
@Module({
  controllers: [FederationController],
  providers: [FederationRegistry, DemoFederation],
})
export class FederationModule {}
