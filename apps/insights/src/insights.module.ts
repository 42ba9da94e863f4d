import { Module } from '@nestjs/common';
import { InsightsController } from './http/insights.http.controller';
import { INSIGHTS_OPTIONS, insightsOptions } from './insights-options';
import { InsightsProjector } from './projection/insights-projector';
import { InsightsReports } from './reports/insights-reports';

/** Per-channel measurement of the shared service: the projection, the reports, the tariff. */
@Module({
  controllers: [InsightsController],
  providers: [{ provide: INSIGHTS_OPTIONS, useFactory: () => insightsOptions() }, InsightsProjector, InsightsReports],
})
export class InsightsModule {}
