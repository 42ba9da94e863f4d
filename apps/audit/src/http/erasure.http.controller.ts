import { BadRequestException, Body, ConflictException, Controller, HttpCode, HttpStatus, Inject, NotFoundException, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { ERASER, PrivacyError, type Eraser } from '@passerelle/privacy';

/**
 * Erasure of a citizen's personal data (crypto-shredding): the hub destroys the citizen's data
 * key and records a CitizenDataErased event. Every view, export and verification then shows
 * the sealed fields as `{ "$erased": true }`; the hash chain still verifies.
 */
@ApiTags('privacy')
@ApiBearerAuth()
@Controller('privacy')
export class ErasureController {
  constructor(@Inject(ERASER) private readonly eraser: Eraser) {}

  @Post('erasures')
  @HttpCode(HttpStatus.CREATED)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Erase a citizen’s personal data: destroys their data key, records CitizenDataErased (who asked, legal basis, when)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['citizen', 'requestedBy', 'legalBasis'],
      properties: {
        citizen: { type: 'string', description: 'the citizen, as the case’s CaseOpened names them' },
        requestedBy: { type: 'string', description: 'who asked for the erasure (the citizen, a data protection officer, a court…)' },
        legalBasis: { type: 'string', description: 'e.g. GDPR art. 17(1)(a)' },
        requestedAt: { type: 'string', format: 'date-time', description: 'when it was asked; default now' },
      },
    },
  })
  @ApiResponse({ status: 201, description: 'erased: the CitizenDataErased event recorded' })
  @ApiResponse({ status: 400, description: 'PRIVACY.ERASURE_INVALID' })
  @ApiResponse({ status: 404, description: 'PRIVACY.CITIZEN_UNKNOWN: the hub holds no personal data of this citizen' })
  @ApiResponse({ status: 409, description: 'PRIVACY.ALREADY_ERASED' })
  async erase(@Caller() caller: VerifiedCaller, @Body() body: unknown) {
    const request = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const text = (name: string) => (typeof request[name] === 'string' ? (request[name] as string) : '');
    try {
      return await this.eraser.erase({
        citizen: text('citizen'),
        requestedBy: text('requestedBy'),
        legalBasis: text('legalBasis'),
        ...(request.requestedAt !== undefined ? { requestedAt: text('requestedAt') } : {}),
        recordedBy: { organization: caller.organization.id, subject: caller.subject },
      });
    } catch (err) {
      if (!(err instanceof PrivacyError)) throw err;
      const answer = { code: err.code, message: err.message };
      if (err.code === 'PRIVACY.CITIZEN_UNKNOWN') throw new NotFoundException(answer);
      if (err.code === 'PRIVACY.ALREADY_ERASED') throw new ConflictException(answer);
      throw new BadRequestException(answer);
    }
  }
}
