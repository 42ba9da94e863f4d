import { Module } from '@nestjs/common';
import { defaultSchemasDir } from '@passerelle/contracts';
import { SubjectsController } from './http/subjects.controller';
import { ValidateController } from './http/validate.controller';
import { SCHEMAS_DIR, SchemaRegistry } from './registry/schema-registry';

/** Schema registry: versions, compatibility modes, payload validation. */
@Module({
  controllers: [SubjectsController, ValidateController],
  providers: [SchemaRegistry, { provide: SCHEMAS_DIR, useFactory: () => defaultSchemasDir() }],
  exports: [SchemaRegistry],
})
export class SchemasModule {}
