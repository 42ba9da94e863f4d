import { BadRequestException, Body, Controller, ForbiddenException, Get, Headers, HttpCode, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FEDERATION_DIRECTORY, type FederationDirectory, type VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { Inject } from '@nestjs/common';
import type { Response } from 'express';
import type { Viewer } from '../domain/query';
import { checkTariff } from '../domain/tariff';
import { InsightsProjector, type ProjectionStatus } from '../projection/insights-projector';
import type { TariffVersion } from '../projection/insights-store';
import { InsightsReports, ReportError, type Report } from '../reports/insights-reports';
import { CSV_COLUMNS, toCsv } from './csv';

const RANGE = [
  ApiQuery({ name: 'from', required: true, description: 'first day, YYYY-MM-DD (UTC)' }),
  ApiQuery({ name: 'to', required: true, description: 'last day, YYYY-MM-DD, included; at most 366 days after from' }),
];
const CELL_FILTERS = [
  ApiQuery({ name: 'organization', required: false, description: 'cells of this organization (your own, unless you are the operator or an auditor)' }),
  ApiQuery({ name: 'service', required: false, description: 'a service code ever requested' }),
  ApiQuery({ name: 'channel', required: false, enum: ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'] }),
  ApiQuery({ name: 'segment', required: false, description: 'unspecified, or audience[/ageBand[/region]], e.g. individual/65+ (with grain=segment)' }),
  ApiQuery({ name: 'grain', required: false, enum: ['segment', 'service', 'organization'], description: 'how finely cells are cut (default service): rolled-up keys read *' }),
];
const apply = (decorators: MethodDecorator[]): MethodDecorator => (target, key, descriptor) => {
  for (const d of decorators) d(target, key, descriptor);
};

@ApiTags('insights')
@ApiBearerAuth()
@Controller('insights')
export class InsightsController {
  constructor(
    private readonly reports: InsightsReports,
    private readonly projector: InsightsProjector,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
  ) {}

  @Get('channels')
  @RequireRole('publisher', 'subscriber', 'auditor', 'operator')
  @ApiOperation({ summary: 'Volumes, digital take-up, completion, time to decision, satisfaction and cost per completed request, by day × organization × service × channel × segment (docs/insights.md)' })
  @apply([...RANGE, ...CELL_FILTERS])
  @ApiHeader({ name: 'Accept', required: false, description: 'text/csv for CSV; JSON otherwise' })
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 400, description: 'REQUEST.INVALID_QUERY: the field named is wrong' })
  @ApiResponse({ status: 403, description: 'INSIGHTS.NOT_VISIBLE: another organization’s figures' })
  async channels(@Caller() caller: VerifiedCaller, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response, @Headers('accept') accept?: string) {
    return this.report('channels', caller, query, response, accept);
  }

  @Get('journeys')
  @RequireRole('publisher', 'subscriber', 'auditor', 'operator')
  @ApiOperation({ summary: 'Channel switches and repeat contacts of decided requests, by the day, organization, service, channel and segment of the request' })
  @apply([...RANGE, ...CELL_FILTERS])
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 400, description: 'REQUEST.INVALID_QUERY' })
  async journeys(@Caller() caller: VerifiedCaller, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response, @Headers('accept') accept?: string) {
    return this.report('journeys', caller, query, response, accept);
  }

  @Get('handoffs')
  @RequireRole('publisher', 'subscriber', 'auditor', 'operator')
  @ApiOperation({ summary: 'Hand-offs between organizations (transfers, invitations): a from → to matrix by day, and how long each waited to be picked up' })
  @apply([...RANGE, ApiQuery({ name: 'organization', required: false, description: 'hand-offs from or to this organization' })])
  @ApiProduces('application/json', 'text/csv')
  @ApiResponse({ status: 400, description: 'REQUEST.INVALID_QUERY' })
  async handoffs(@Caller() caller: VerifiedCaller, @Query() query: Record<string, unknown>, @Res({ passthrough: true }) response: Response, @Headers('accept') accept?: string) {
    return this.report('handoffs', caller, query, response, accept);
  }

  @Get('tariff')
  @RequireRole('publisher', 'subscriber', 'auditor', 'operator')
  @ApiOperation({ summary: 'The tariff in force (unit cost per contact by organization and channel, with validity periods) and the versions before it' })
  async tariff(): Promise<{ current: TariffVersion | null; versions: Array<Omit<TariffVersion, 'tariff'>> }> {
    const versions = await this.projector.insightsStore().tariffs();
    return { current: versions[0] ?? null, versions: versions.map(({ tariff: _tariff, ...v }) => v) };
  }

  @Put('tariff')
  @HttpCode(201)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Declare a new version of the tariff; it is in force at once, for every figure asked from then on' })
  @ApiBody({ schema: { example: { currency: 'CAD', entries: [{ organization: 'demo.health', channel: 'counter', unitCost: 18.5, validFrom: '2026-01-01', validTo: '2026-07-01' }, { organization: 'demo.health', channel: 'counter', unitCost: 19, validFrom: '2026-07-01' }] } } })
  @ApiResponse({ status: 400, description: 'TARIFF.INVALID: gap, overlap, negative cost, unknown organization… the field named' })
  async declareTariff(@Caller() caller: VerifiedCaller, @Body() body: unknown): Promise<TariffVersion> {
    const checked = checkTariff(body);
    if (!checked.ok) throw new BadRequestException({ code: 'TARIFF.INVALID', field: checked.field, message: checked.message });
    const members = new Set(this.directory.organizations().map((o) => o.id));
    const stranger = checked.tariff.entries.findIndex((e) => !members.has(e.organization));
    if (stranger >= 0) {
      throw new BadRequestException({ code: 'TARIFF.INVALID', field: `entries[${stranger}].organization`, message: `entries[${stranger}].organization: ${checked.tariff.entries[stranger]!.organization} is not a member organization` });
    }
    return this.projector.insightsStore().declareTariff(checked.tariff, caller.subject);
  }

  @Get('status')
  @RequireRole('auditor', 'operator')
  @ApiOperation({ summary: 'Where the projection stands in the log, and a rebuild’s progress' })
  async status(): Promise<ProjectionStatus> {
    return this.projector.status();
  }

  @Post('rebuild')
  @HttpCode(202)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Forget every measure and count again from position 0; follow it with GET /insights/status' })
  async rebuild(): Promise<ProjectionStatus> {
    return this.projector.startRebuild();
  }

  private async report(report: Report, caller: VerifiedCaller, query: Record<string, unknown>, response: Response, accept?: string) {
    const viewer: Viewer = { organization: caller.organization.id, all: caller.roles.includes('operator') || caller.roles.includes('auditor') };
    try {
      const answer = await this.reports.answer(report, await this.reports.filter(report, query, viewer), viewer);
      if (accept?.split(',').some((t) => t.trim().toLowerCase().startsWith('text/csv'))) {
        response.setHeader('content-type', 'text/csv; charset=utf-8');
        response.send(toCsv(CSV_COLUMNS[report], answer));
        return undefined;
      }
      return answer;
    } catch (err) {
      if (err instanceof ReportError) {
        const body = { code: err.code, message: err.message, field: err.field };
        throw err.code === 'INSIGHTS.NOT_VISIBLE' ? new ForbiddenException(body) : new BadRequestException(body);
      }
      throw err;
    }
  }
}
