import { Module } from '@nestjs/common';
import { CitizensModule } from '@passerelle/citizens';
import { CasesController } from './http/cases.http.controller';
import { CitizensController } from './http/citizens.http.controller';
import { AccessLog } from './projection/access-log';
import { Projector } from './projection/projector';

/** Per-organization views of the cases each takes part in, and who read them. */
@Module({
  imports: [CitizensModule],
  controllers: [CasesController, CitizensController],
  providers: [Projector, AccessLog],
})
export class ViewsModule {}
