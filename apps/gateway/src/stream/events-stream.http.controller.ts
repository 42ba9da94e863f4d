import { BadRequestException, Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { parsePurposeHeader, PURPOSE_CODES } from '@passerelle/contracts';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import type { Request, Response } from 'express';
import { EventStreams } from './event-streams';

@ApiTags('gateway')
@ApiBearerAuth()
@Controller('events')
export class EventsStreamController {
  constructor(private readonly streams: EventStreams) {}

  @Get('stream')
  @RequireRole('subscriber')
  @ApiOperation({
    summary: 'Server-Sent Events of every committed event the caller’s organization is entitled to, in log order',
    description:
      'Bound to the purpose stated in Passerelle-Purpose as a read of one case is: events of a case the caller neither owns nor holds a grant in force for that serves the purpose are left out (a denial, 403 ACCESS.PURPOSE_NOT_GRANTED, in the case’s access log; a read, via: stream, for a case whose events are sent: once per connection and case, and again when that changes). The stream ends when the token expires, with a last `event: end` whose data is `{"code":"TOKEN.EXPIRED",…}`: reconnect with a new token and Last-Event-ID.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event (the id of the last event received)' })
  @ApiHeader({
    name: 'Passerelle-Purpose',
    required: false,
    description: `why the events are read: a purpose of the federation's catalogue (${PURPOSE_CODES.join(', ')}), optionally followed by "; " and a note; absent: service-delivery. Kept in the access log`,
  })
  @ApiResponse({ status: 400, description: 'ACCESS.UNKNOWN_PURPOSE: the stated purpose is not in the catalogue (GET /federation/purposes); REQUEST.INVALID_LAST_EVENT_ID' })
  async stream(
    @Caller() caller: VerifiedCaller,
    @Req() request: Request,
    @Res() response: Response,
    @Headers('last-event-id') lastEventId?: string,
    @Query('lastEventId') lastEventIdQuery?: string,
    @Headers('passerelle-purpose') purpose?: string,
  ): Promise<void> {
    const statement = parsePurposeHeader(purpose);
    if (!statement.ok) throw new BadRequestException({ code: statement.code, message: statement.message });
    const raw = lastEventId ?? lastEventIdQuery;
    let after = 0n;
    if (raw !== undefined) {
      if (!/^\d{1,19}$/.test(raw.trim())) throw bad(`Last-Event-ID must be the id of an event this stream sent (a number), not ${JSON.stringify(raw.slice(0, 40))}`);
      after = BigInt(raw.trim());
      if (!(await this.streams.exists(after))) throw bad(`Last-Event-ID ${after} is not the id of an event this hub sent`);
    }
    await this.streams.serve({ organization: caller.organization.id, subject: caller.subject, stated: statement.stated }, after, caller.expiresAt, response, (listener) => request.on('close', listener));
  }
}

function bad(message: string): BadRequestException {
  return new BadRequestException({ code: 'REQUEST.INVALID_LAST_EVENT_ID', message });
}
