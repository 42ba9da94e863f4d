import { Module } from '@nestjs/common';
import { CitizensModule } from '@passerelle/citizens';
import { ConsoleBuildCheck, consoleModule } from './console/console-assets';
import { ConsoleConfigController } from './console/console-config.http.controller';
import { AsyncApiController } from './http/asyncapi.controller';
import { PublishController } from './publish/publish.http.controller';
import { ReceiptBook } from './receipts/receipt-book';
import { ReceiptsController } from './receipts/receipts.http.controller';
import { EventStreams } from './stream/event-streams';
import { LogFanout } from './stream/log-fanout';
import { EventsStreamController } from './stream/events-stream.http.controller';

/**
 * HTTP entry for organizations without Kafka: publishes to their inbound topic, streams their
 * outbound events; and the web console, which uses only this public API.
 */
@Module({
  imports: [consoleModule(), CitizensModule],
  controllers: [ConsoleConfigController, PublishController, ReceiptsController, EventsStreamController, AsyncApiController],
  providers: [ReceiptBook, LogFanout, EventStreams, ConsoleBuildCheck],
})
export class GatewayModule {}
