import { Controller, Get, HttpCode, Inject, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CitizenDirectory } from '@passerelle/citizens';
import { FEDERATION_DIRECTORY, type FederationDirectory, type VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { AccessLog } from '../projection/access-log';

/** One read of one of the citizen's cases, as the citizen is shown it. */
export interface CitizenLogEntry {
  caseId: string;
  /** Who read: the organization, by id and name. */
  organization: string;
  organizationName: string | null;
  purpose: string;
  note?: string;
  at: string;
}

const CITIZEN_LOG_ENTRY = {
  type: 'object',
  required: ['caseId', 'organization', 'organizationName', 'purpose', 'at'],
  properties: {
    caseId: { type: 'string' },
    organization: { type: 'string' },
    organizationName: { type: 'string', nullable: true },
    purpose: { type: 'string', description: 'the purpose the read stated, from the federation’s catalogue' },
    note: { type: 'string' },
    at: { type: 'string', format: 'date-time' },
  },
};

/**
 * The single window's side of pairwise pseudonyms: it registers citizens (and gets its own
 * pseudonym of each), and shows a citizen which organizations read their cases, when and why.
 */
@ApiTags('citizens')
@ApiBearerAuth()
@Controller('citizens')
export class CitizensController {
  constructor(
    private readonly citizens: CitizenDirectory,
    private readonly accessLog: AccessLog,
    @Inject(FEDERATION_DIRECTORY)
    private readonly federation: FederationDirectory,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireRole('single-window')
  @ApiOperation({ summary: 'Register a citizen at the hub: a new hub-side citizen, and the caller’s own pairwise pseudonym of them (to open their cases with)' })
  @ApiResponse({ status: 201, schema: { type: 'object', required: ['pseudonym'], properties: { pseudonym: { type: 'string', description: 'the caller’s pseudonym of the citizen' } } } })
  async register(@Caller() caller: VerifiedCaller): Promise<{ pseudonym: string }> {
    return this.citizens.register(caller.organization.id);
  }

  @Get(':citizen/access-log')
  @RequireRole('single-window')
  @ApiOperation({
    summary:
      'The citizen’s own log: every read of any of their cases, by any organization — who, when, for what purpose — oldest first. The citizen is named by the caller’s own reference (its pseudonym)',
  })
  @ApiResponse({ status: 200, schema: { type: 'array', items: CITIZEN_LOG_ENTRY } })
  @ApiResponse({ status: 404, description: 'CITIZEN.UNKNOWN_PSEUDONYM: the caller knows no citizen by this reference' })
  async log(@Caller() caller: VerifiedCaller, @Param('citizen') reference: string): Promise<CitizenLogEntry[]> {
    const citizen = await this.citizens.lookup(caller.organization.id, reference);
    if (citizen === undefined) {
      throw new NotFoundException({
        code: 'CITIZEN.UNKNOWN_PSEUDONYM',
        message: `${caller.organization.id} knows no citizen as ${JSON.stringify(reference.slice(0, 80))}: name them by your own pseudonym (POST /citizens, or your view of their case)`,
      });
    }
    const entries: CitizenLogEntry[] = [];
    for (const caseId of await this.citizens.casesOf(citizen)) {
      for (const entry of await this.accessLog.entries(caseId)) {
        // A list of cases shows ids, titles and heads, nothing of the citizen's: not a read of their data.
        if (entry.kind !== 'read' || entry.via === 'list') continue;
        entries.push({
          caseId,
          organization: entry.organization,
          organizationName: this.federation.organization(entry.organization)?.name ?? null,
          purpose: entry.purpose,
          ...(entry.note ? { note: entry.note } : {}),
          at: entry.at,
        });
      }
    }
    return entries.sort((x, y) => x.at.localeCompare(y.at) || x.caseId.localeCompare(y.caseId));
  }
}
