import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { InMemoryBus } from './in-memory/in-memory-bus';
import { KafkaBus, type KafkaBusOptions } from './kafka/kafka-bus';
import { MESSAGE_BUS, type MessageBus } from './message-bus.port';
import { PlatformaticBus } from './platformatic/platformatic-bus';

/** Which client library speaks to Kafka: both keep the port's contract (message-bus.contract.ts). */
export type KafkaClient = 'kafkajs' | 'platformatic';

/** `client`: kafkajs unless told otherwise. */
export type MessagingOptions = { kind: 'memory' } | ({ kind: 'kafka'; client?: KafkaClient } & KafkaBusOptions);

export function createMessageBus(options: MessagingOptions): MessageBus {
  switch (options.kind) {
    case 'memory':
      return new InMemoryBus();
    case 'kafka': {
      const { client = 'kafkajs', ...kafka } = options;
      return client === 'platformatic' ? new PlatformaticBus(kafka) : new KafkaBus(kafka);
    }
    default: {
      const unknown: never = options;
      throw new Error(`Unknown bus ${JSON.stringify(unknown)}`);
    }
  }
}

class MessageBusCloser implements OnApplicationShutdown {
  constructor(@Inject(MESSAGE_BUS) private readonly bus: MessageBus) {}
  async onApplicationShutdown(): Promise<void> {
    await this.bus.close();
  }
}

/** Binds MESSAGE_BUS for the whole application and closes it on shutdown. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions): DynamicModule {
    return {
      module: MessagingModule,
      providers: [{ provide: MESSAGE_BUS, useFactory: () => createMessageBus(options) }, MessageBusCloser],
      exports: [MESSAGE_BUS],
    };
  }
}
