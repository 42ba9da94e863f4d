import { Module } from '@nestjs/common';
import { defaultSchemasDir } from '@passerelle/contracts';
import { ConfluentController } from './confluent/confluent.controller';
import { SubjectsController } from './http/subjects.controller';
import { ValidateController } from './http/validate.controller';
import { SCHEMAS_DIR, SchemaRegistry } from './registry/schema-registry';

/** Schema registry: versions, compatibility modes, payload validation, the Confluent-compatible API. */
@Module({
  controllers: [SubjectsController, ValidateController, ConfluentController],
  providers: [SchemaRegistry, { provide: SCHEMAS_DIR, useFactory: () => defaultSchemasDir() }],
  exports: [SchemaRegistry],
})
export class SchemasModule {}
