import { Module } from '@nestjs/common';
import { AsyncApiController } from './http/asyncapi.controller';

/** HTTP entry for organizations without Kafka: publishes to their inbound topic, streams their outbound events. */
@Module({ controllers: [AsyncApiController] })
export class GatewayModule {}
