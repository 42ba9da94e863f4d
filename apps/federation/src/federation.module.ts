import { Module } from '@nestjs/common';

/** Member organizations, their issuers, keys (with validity history) and roles. */
@Module({})
export class FederationModule {}
