import { BadRequestException, Controller, ForbiddenException, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { RejectionLog, type LoggedRejection } from './rejection-log';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('rejections')
export class RejectionsController {
  constructor(private readonly log: RejectionLog) {}

  @Get()
  @RequireRole('operator', 'publisher')
  @ApiOperation({ summary: 'Refused inbound events with their receipts: an operator sees all, a publisher its own' })
  @ApiQuery({ name: 'organization', required: false })
  @ApiQuery({ name: 'after', required: false, description: 'the seq of the last rejection already read' })
  @ApiQuery({ name: 'limit', required: false })
  async list(
    @Caller() caller: VerifiedCaller,
    @Query('organization') organization?: string,
    @Query('after') after?: string,
    @Query('limit') limit?: string,
  ): Promise<LoggedRejection[]> {
    const operator = caller.roles.includes('operator');
    const own = caller.organization.id;
    if (!operator && organization !== undefined && organization !== own) {
      throw new ForbiddenException({ code: 'TOKEN.ROLE_MISSING', message: `only an operator reads the rejections of another organization than ${own}` });
    }
    return this.log.list({ organization: operator ? organization : own, after: integer('after', after, 0), limit: Math.min(integer('limit', limit, 100), 1000) });
  }
}

function integer(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,15}$/.test(raw)) throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: `${name} must be a whole number, not ${JSON.stringify(raw.slice(0, 40))}` });
  return Number(raw);
}
