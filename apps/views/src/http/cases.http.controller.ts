import { BadRequestException, ConflictException, Controller, ForbiddenException, Get, Headers, HttpStatus, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parsePurposeHeader, PURPOSE_CODES, purposeRefusal, type StatedPurpose } from '@passerelle/contracts';
import { CitizenDirectory } from '@passerelle/citizens';
import type { VerifiedCaller } from '@passerelle/identity';
import { AccessDenials, AccessReads, Caller, RequireRole } from '@passerelle/platform';
import type { Response } from 'express';
import type { CaseView } from '../domain/case-view';
import { purposesHeld } from '../domain/read-purpose';
import { AccessLog, type PresentedAccessLogEntry } from '../projection/access-log';
import { presentView } from '../projection/citizen-view';
import { Projector } from '../projection/projector';
import { listForPurpose } from '../projection/purpose-bound-list';
import type { CaseSummary } from '../projection/view-store';

/** How long a read with ?minRevision= waits for the view to catch up. */
const CATCH_UP_MS = 5_000;
const DEFAULT_LIST = 500;
const MAX_LIST = 2_000;

/** The Passerelle-Purpose header, as every purpose-bound read of the views takes it. */
const PURPOSE_HEADER = {
  name: 'Passerelle-Purpose',
  required: false,
  description: `why the case is read: a purpose of the federation's catalogue (${PURPOSE_CODES.join(', ')}), optionally followed by "; " and a note, e.g. "eligibility-check; renewal 2027"; absent: service-delivery. Kept in the access log`,
};

/** CaseView (domain/case-view.ts), for client generators. */
const CASE_VIEW = {
  type: 'object',
  required: ['caseId', 'organization', 'status', 'participants', 'current', 'revision', 'position', 'hash', 'updatedAt'],
  properties: {
    caseId: { type: 'string' },
    organization: { type: 'string', description: 'whose view this is' },
    status: { type: 'string', enum: ['open', 'closed'] },
    owner: { type: 'string', nullable: true },
    title: { type: 'string', nullable: true },
    participants: { type: 'array', items: { type: 'string' } },
    current: { type: 'object', description: 'the latest data of each event type seen, by type name', additionalProperties: { type: 'object', additionalProperties: true } },
    revision: { type: 'integer' },
    position: { type: 'integer' },
    hash: { type: 'string' },
    updatedAt: { type: 'string', format: 'date-time' },
  },
};

@ApiTags('views')
@ApiBearerAuth()
@Controller('cases')
export class CasesController {
  constructor(
    private readonly projector: Projector,
    private readonly accessLog: AccessLog,
    private readonly citizens: CitizenDirectory,
    private readonly reads: AccessReads,
    private readonly denials: AccessDenials,
  ) {}

  @Get()
  @RequireRole('publisher', 'subscriber')
  @ApiOperation({
    summary: 'The cases the caller’s organization takes part in and may read for the stated purpose, most recently updated first',
    description: 'Bound to the purpose as a read of one case is: a case is listed when the caller owns it or holds a grant in force serving the purpose, and left out otherwise. Each case listed is a read in its access log (via: list), each case left out a denial (403 ACCESS.PURPOSE_NOT_GRANTED).',
  })
  @ApiHeader(PURPOSE_HEADER)
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'closed'] })
  @ApiQuery({ name: 'updatedSince', required: false, description: 'ISO 8601' })
  @ApiQuery({ name: 'q', required: false, description: 'part of the case id or title, any case' })
  @ApiQuery({ name: 'limit', required: false, description: `at most ${MAX_LIST} (default ${DEFAULT_LIST})` })
  @ApiResponse({ status: 400, description: 'ACCESS.UNKNOWN_PURPOSE: the stated purpose is not in the catalogue (GET /federation/purposes); REQUEST.INVALID_QUERY' })
  async list(
    @Caller() caller: VerifiedCaller,
    @Query('status') status?: string,
    @Query('updatedSince') updatedSince?: string,
    @Query('q') search?: string,
    @Query('limit') limit?: string,
    @Headers('passerelle-purpose') purpose?: string,
  ): Promise<CaseSummary[]> {
    if (status !== undefined && status !== 'open' && status !== 'closed') throw bad(`status must be open or closed, not ${JSON.stringify(status)}`);
    if (updatedSince !== undefined && Number.isNaN(Date.parse(updatedSince))) throw bad(`updatedSince must be an ISO 8601 instant, not ${JSON.stringify(updatedSince)}`);
    if (search !== undefined && search.length > 200) throw bad('q must be at most 200 characters');
    let count = DEFAULT_LIST;
    if (limit !== undefined) {
      if (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_LIST) throw bad(`limit must be a whole number from 1 to ${MAX_LIST}, not ${JSON.stringify(limit.slice(0, 40))}`);
      count = Number(limit);
    }
    const stated = statedPurpose(purpose);
    const organization = caller.organization.id;
    const at = new Date().toISOString();
    const { shown, withheld } = await listForPurpose(this.projector.viewStore(), organization, stated.purpose, { status, updatedSince, search: search?.trim() || undefined, limit: count }, at);
    const who = { organization, subject: caller.subject, purpose: stated.purpose, ...(stated.note ? { note: stated.note } : {}) };
    await this.reads.record(shown.map((c) => ({ caseId: c.caseId, read: { ...who, outcome: 'served' as const, via: 'list' as const, revision: c.revision, at } })));
    await this.denials.record(
      withheld.map((c) => ({
        caseId: c.caseId,
        denial: { action: 'read', organization, subject: caller.subject, status: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', reason: `left out of the list: ${organization} may not read ${c.caseId} for ${stated.purpose}`, target: 'GET /cases', purpose: stated.purpose, at },
      })),
    );
    return shown;
  }

  @Get(':caseId')
  @RequireRole('publisher', 'subscriber')
  @ApiOperation({ summary: 'The caller’s view of a case: what its organization is entitled to see, with the revision and chain hash it reflects' })
  @ApiQuery({ name: 'minRevision', required: false, description: 'wait (up to 5 s) until the view reflects at least this revision' })
  @ApiHeader(PURPOSE_HEADER)
  @ApiResponse({ status: 200, description: 'The view, with its revision in ETag', schema: CASE_VIEW })
  @ApiResponse({ status: 304, description: 'If-None-Match names the current revision' })
  @ApiResponse({ status: 400, description: 'ACCESS.UNKNOWN_PURPOSE: the stated purpose is not in the catalogue (GET /federation/purposes)' })
  @ApiResponse({ status: 403, description: 'ACCESS.PURPOSE_NOT_GRANTED: no grant in force covers the stated purpose (recorded in the access log)' })
  @ApiResponse({ status: 404, description: 'no such case for this organization (whether or not it exists for others)' })
  @ApiResponse({ status: 409, description: 'VIEW.BEHIND: the view did not reach minRevision in time; the body says where it is' })
  async get(
    @Caller() caller: VerifiedCaller,
    @Param('caseId') caseId: string,
    @Res({ passthrough: true }) response: Response,
    @Query('minRevision') minRevision?: string,
    @Headers('if-none-match') ifNoneMatch?: string,
    @Headers('passerelle-purpose') purpose?: string,
  ): Promise<CaseView | undefined> {
    const organization = caller.organization.id;
    const stated = statedPurpose(purpose);
    const wanted = minRevision === undefined ? undefined : revision(minRevision);
    let view = await this.projector.viewStore().get(organization, caseId);
    const deadline = Date.now() + CATCH_UP_MS;
    while (wanted !== undefined && (view?.revision ?? -1) < wanted && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
      view = await this.projector.viewStore().get(organization, caseId);
    }
    // Another organization's case answers exactly as a case that does not exist.
    if (!view) throw new NotFoundException({ code: 'CASE.NOT_FOUND', message: `no case ${caseId} for ${organization}` });
    if (wanted !== undefined && view.revision < wanted) {
      throw new ConflictException({ code: 'VIEW.BEHIND', message: `the view of ${caseId} reflects revision ${view.revision}, not yet ${wanted}; ask again shortly`, revision: view.revision, minRevision: wanted });
    }
    const at = new Date().toISOString();
    const held = purposesHeld(view, view.timeline, at);
    if (!held.has(stated.purpose)) {
      // Recorded as a denial in the case's access log, with the purpose, by the HTTP layer.
      throw new ForbiddenException({ code: 'ACCESS.PURPOSE_NOT_GRANTED', message: purposeRefusal(organization, caseId, stated.purpose, held), purpose: stated.purpose });
    }
    await this.accessLog.record(caseId, { organization, subject: caller.subject, purpose: stated.purpose, ...(stated.note ? { note: stated.note } : {}), outcome: 'served', revision: view.revision, at });
    const etag = `"${view.revision}"`;
    response.setHeader('ETag', etag);
    if (ifNoneMatch !== undefined && ifNoneMatch.split(',').map((t) => t.trim().replace(/^W\//, '')).includes(etag)) {
      response.status(HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    // The citizen as this organization knows it: its own pairwise pseudonym, whoever published.
    return presentView(view, this.citizens);
  }

  @Get(':caseId/access-log')
  @RequireRole('publisher', 'subscriber', 'auditor')
  @ApiOperation({ summary: 'Who read the case, when, for what purpose and with what outcome (served, or denied: 401, 403, 404 with who and why, reads refused for their purpose included), and every refused attempt to publish to it: for auditors and the case owner' })
  async accessLogOf(@Caller() caller: VerifiedCaller, @Param('caseId') caseId: string): Promise<PresentedAccessLogEntry[]> {
    const auditor = caller.roles.includes('auditor');
    if (!auditor) {
      const view = await this.projector.viewStore().get(caller.organization.id, caseId);
      if (view?.owner !== caller.organization.id) throw new NotFoundException({ code: 'CASE.NOT_FOUND', message: `no case ${caseId} owned by ${caller.organization.id}` });
    }
    return (await this.accessLog.entries(caseId)).map((e): PresentedAccessLogEntry => (e.kind === 'read' ? { ...e, outcome: 'served' } : { ...e, outcome: 'denied' }));
  }
}

function statedPurpose(header: string | undefined): StatedPurpose {
  const statement = parsePurposeHeader(header);
  if (!statement.ok) throw new BadRequestException({ code: statement.code, message: statement.message });
  return statement.stated;
}

function bad(message: string): BadRequestException {
  return new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message });
}

function revision(raw: string): number {
  if (!/^\d{1,15}$/.test(raw)) throw bad(`minRevision must be a revision (0, 1, 2, …), not ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}
