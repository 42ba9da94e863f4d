import { Module } from '@nestjs/common';

/** Per-organization projections of the case files, with the read access log. */
@Module({})
export class ViewsModule {}
