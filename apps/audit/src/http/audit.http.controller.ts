import { BadRequestException, Catch, Controller, Get, HttpStatus, NotFoundException, Param, Post, Query, UseFilters, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { caseEventMetadata } from '@passerelle/contracts';
import { RequireRole } from '@passerelle/platform';
import type { Response } from 'express';
import { CheckpointService } from '../checkpoints/checkpoint-service';
import { HubKeys } from '../hub-key/hub-keys';
import { Auditor, CaseNotFound } from '../replay/auditor';

@Catch(CaseNotFound)
class CaseNotFoundFilter implements ExceptionFilter {
  catch(error: CaseNotFound, host: ArgumentsHost): void {
    host.switchToHttp().getResponse<Response>().status(HttpStatus.NOT_FOUND).json({ statusCode: 404, code: 'CASE.NOT_FOUND', message: error.message });
  }
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
@RequireRole('auditor')
@UseFilters(CaseNotFoundFilter)
export class AuditController {
  constructor(
    private readonly auditor: Auditor,
    private readonly checkpoints: CheckpointService,
    private readonly hubKeys: HubKeys,
  ) {}

  @Get('cases')
  @ApiOperation({ summary: 'Every case in the store with its recorded head (revision, chain hash), sorted by id' })
  @ApiQuery({ name: 'q', required: false, description: 'part of the case id, any case' })
  @ApiQuery({ name: 'limit', required: false, description: 'at most 2000 (default 500)' })
  cases(@Query('q') search?: string, @Query('limit') limit?: string) {
    if (search !== undefined && search.length > 200) throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: 'q must be at most 200 characters' });
    if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 2000)) {
      throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: `limit must be a whole number from 1 to 2000, not ${JSON.stringify(limit.slice(0, 40))}` });
    }
    return this.auditor.cases({ search: search?.trim() || undefined, limit: limit === undefined ? 500 : Number(limit) });
  }

  @Get('cases/:caseId/checks')
  @ApiOperation({ summary: 'The case verified whole (first failure located) and each event checked on its own: chain, signature (key id, key state at receipt), schema' })
  checks(@Param('caseId') caseId: string) {
    return this.auditor.checks(caseId);
  }

  @Get('cases/:caseId/events')
  @ApiOperation({ summary: 'The case’s full, unfiltered history, with signatures, audiences and chain links' })
  async events(@Param('caseId') caseId: string) {
    return (await this.auditor.history(caseId)).map((e) => ({
      revision: Number(e.revision),
      position: Number(e.position),
      id: e.id,
      type: e.type,
      envelope: e.data,
      publisher: caseEventMetadata(e).publisher,
      receivedAt: caseEventMetadata(e).receivedAt,
      audience: caseEventMetadata(e).audience,
      signature: caseEventMetadata(e).signature,
      prevHash: e.prevHash,
      hash: e.hash,
    }));
  }

  @Get('cases/:caseId/verification')
  @ApiOperation({ summary: 'Verify one case: hash chain, publisher signatures (keys as valid then), schemas, recorded head, latest signed checkpoint' })
  verifyCase(@Param('caseId') caseId: string) {
    return this.auditor.verifyCase(caseId);
  }

  @Get('verification')
  @ApiOperation({ summary: 'Verify the whole log, or the events received in [from, to)' })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  verifyLog(@Query('from') from?: string, @Query('to') to?: string) {
    return this.auditor.verifyLog({ from: instant('from', from), to: instant('to', to) });
  }

  @Get('cases/:caseId/as-of')
  @ApiOperation({ summary: 'What an organization could see of the case at an instant: events, grants, consents, keys as they stood' })
  @ApiQuery({ name: 'organization', required: true })
  @ApiQuery({ name: 'at', required: true, description: 'ISO 8601' })
  asOf(@Param('caseId') caseId: string, @Query('organization') organization?: string, @Query('at') at?: string) {
    if (!organization) throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: 'organization is required' });
    const when = instant('at', at);
    if (!when) throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: 'at is required (ISO 8601)' });
    return this.auditor.asOf(caseId, organization, when);
  }

  @Get('cases/:caseId/bundle')
  @ApiOperation({ summary: 'Everything needed to verify the case offline: events, signatures, checkpoint and proof, public keys, schemas' })
  bundle(@Param('caseId') caseId: string) {
    return this.auditor.bundle(caseId);
  }

  @Post('checkpoints')
  @ApiOperation({ summary: 'Sign a checkpoint of the log now (the hub also does so periodically)' })
  async checkpoint() {
    const signed = await this.checkpoints.sign();
    if (!signed) throw new NotFoundException({ code: 'CHECKPOINT.NONE', message: 'nothing to sign' });
    return { seq: signed.seq, payload: signed.payload, jws: signed.jws };
  }

  @Get('checkpoints/latest')
  @ApiOperation({ summary: 'The latest signed checkpoint' })
  async latest() {
    const latest = await this.checkpoints.latest();
    if (!latest) throw new NotFoundException({ code: 'CHECKPOINT.NONE', message: 'no checkpoint has been signed yet' });
    return { seq: latest.seq, payload: latest.payload, jws: latest.jws };
  }

  @Get('keys')
  @ApiOperation({ summary: 'The hub’s public keys, which sign its checkpoints' })
  keys() {
    return { keys: this.hubKeys.publicKeys() };
  }
}

function instant(name: string, raw: string | undefined): Date | undefined {
  if (raw === undefined || raw === '') return undefined;
  const date = new Date(raw);
  if (Number.isNaN(date.getTime())) throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: `${name} must be an ISO 8601 instant, not ${JSON.stringify(raw.slice(0, 40))}` });
  return date;
}
