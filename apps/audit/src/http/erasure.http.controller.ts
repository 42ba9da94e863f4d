import { BadRequestException, Body, ConflictException, Controller, HttpCode, HttpStatus, Inject, NotFoundException, Optional, Post } from '@nestjs/common';
import { CitizenDirectory } from '@passerelle/citizens';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { ERASER, PrivacyError, type Eraser } from '@passerelle/privacy';

/**
 * Erasure of a citizen's personal data (crypto-shredding): the hub destroys the citizen's data
 * key and records a CitizenDataErased event. Every view, export and verification then shows
 * the sealed fields as `{ "$erased": true }`; the hash chain still verifies. The citizen is
 * named as a member organization knows them (its own reference, or the pseudonym the hub gave
 * it); the hub maps that to its own citizen id, whose key it destroys — whichever members
 * named the citizen, under whatever reference, their sealed fields go together.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@Controller('privacy')
export class ErasureController {
  constructor(
    @Inject(ERASER) private readonly eraser: Eraser,
    @Optional() private readonly citizens?: CitizenDirectory,
  ) {}

  @Post('erasures')
  @HttpCode(HttpStatus.CREATED)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Erase a citizen’s personal data: destroys their data key, records CitizenDataErased (who asked, legal basis, when)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['citizen', 'organization', 'requestedBy', 'legalBasis'],
      properties: {
        citizen: { type: 'string', description: 'the citizen, as `organization` names them (its reference, or its pseudonym)' },
        organization: { type: 'string', description: 'the member organization whose name of the citizen `citizen` is' },
        requestedBy: { type: 'string', description: 'who asked for the erasure (the citizen, a data protection officer, a court…)' },
        legalBasis: { type: 'string', description: 'e.g. GDPR art. 17(1)(a)' },
        requestedAt: { type: 'string', format: 'date-time', description: 'when it was asked; default now' },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'erased: the CitizenDataErased event recorded' })
  @ApiResponse({ status: 400, description: 'PRIVACY.ERASURE_INVALID' })
  @ApiResponse({ status: 404, description: 'PRIVACY.CITIZEN_UNKNOWN: the organization names no such citizen, or the hub holds no personal data of them' })
  @ApiResponse({ status: 409, description: 'PRIVACY.ALREADY_ERASED' })
  async erase(@Caller() caller: VerifiedCaller, @Body() body: unknown) {
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const text = (name: string) => (typeof request[name] === 'string' ? (request[name] as string) : '');
    const named = text('citizen');
    const organization = text('organization');
    if (!organization) throw new BadRequestException({ code: 'PRIVACY.ERASURE_INVALID', message: 'organization is required: the member whose name of the citizen `citizen` is' });
    const citizen = this.citizens ? await this.citizens.lookup(organization, named) : named;
    if (named && citizen === undefined) throw new NotFoundException({ code: 'PRIVACY.CITIZEN_UNKNOWN', message: `${organization} names no citizen ${JSON.stringify(named.slice(0, 80))}` });
    try {
      const erased = await this.eraser.erase({
        citizen: citizen ?? '',
        requestedBy: text('requestedBy'),
        legalBasis: text('legalBasis'),
        ...(request.requestedAt !== undefined ? { requestedAt: text('requestedAt') } : {}),
        recordedBy: { organization: caller.organization.id, subject: caller.subject },
      });
      // Answered in the caller's terms: the hub's own citizen id stays inside the hub.
      return { ...erased, citizen: named, organization };
    } catch (err) {
      if (!(err instanceof PrivacyError)) throw err;
      const answer = { code: err.code, message: err.message };
      if (err.code === 'PRIVACY.CITIZEN_UNKNOWN') throw new NotFoundException(answer);
      if (err.code === 'PRIVACY.ALREADY_ERASED') throw new ConflictException(answer);
      throw new BadRequestException(answer);
    }
  }
}
