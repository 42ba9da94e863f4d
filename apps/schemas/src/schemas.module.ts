import { Module } from '@nestjs/common';

/** Schema registry: versions, compatibility modes, payload validation. */
@Module({})
export class SchemasModule {}
