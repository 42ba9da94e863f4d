import { Module } from '@nestjs/common';
import { CasesController } from './http/cases.http.controller';
import { AccessLog } from './projection/access-log';
import { Projector } from './projection/projector';

/** Per-organization views of the cases each takes part in, and who read them. */
@Module({
  controllers: [CasesController],
  providers: [Projector, AccessLog],
})
export class ViewsModule {}
