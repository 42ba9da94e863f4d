import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { defaultSchemasDir } from '@passerelle/contracts';
import { ConfluentController } from './confluent/confluent.controller';
import { SchemaRegistryBodyMiddleware } from './confluent/registry-media-types';
import { SubjectsController } from './http/subjects.controller';
import { ValidateController } from './http/validate.controller';
import { SCHEMAS_DIR, SchemaRegistry } from './registry/schema-registry';

/** Schema registry: versions, compatibility modes, payload validation, the Confluent-compatible API. */
@Module({
  controllers: [SubjectsController, ValidateController, ConfluentController],
  providers: [SchemaRegistry, { provide: SCHEMAS_DIR, useFactory: () => defaultSchemasDir() }],
  exports: [SchemaRegistry],
})
export class SchemasModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    // Confluent clients send application/vnd.schemaregistry.v1+json: read on these routes only.
    consumer.apply(SchemaRegistryBodyMiddleware).forRoutes(ConfluentController);
  }
}
