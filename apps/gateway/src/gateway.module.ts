import { Module } from '@nestjs/common';

/** HTTP entry for organizations without Kafka: publishes to their inbound topic, streams their outbound events. */
@Module({})
export class GatewayModule {}
