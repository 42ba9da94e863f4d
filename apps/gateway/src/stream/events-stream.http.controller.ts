import { BadRequestException, Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
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
    description: 'The stream ends when the token expires, with a last `event: end` whose data is `{"code":"TOKEN.EXPIRED",…}`: reconnect with a new token and Last-Event-ID.',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({ name: 'Last-Event-ID', required: false, description: 'resume after this event (the id of the last event received)' })
  async stream(
    @Caller() caller: VerifiedCaller,
    @Req() request: Request,
    @Res() response: Response,
    @Headers('last-event-id') lastEventId?: string,
    @Query('lastEventId') lastEventIdQuery?: string,
  ): Promise<void> {
    const raw = lastEventId ?? lastEventIdQuery;
    let after = 0n;
    if (raw !== undefined) {
      if (!/^\d{1,19}$/.test(raw.trim())) throw bad(`Last-Event-ID must be the id of an event this stream sent (a number), not ${JSON.stringify(raw.slice(0, 40))}`);
      after = BigInt(raw.trim());
      if (!(await this.streams.exists(after))) throw bad(`Last-Event-ID ${after} is not the id of an event this hub sent`);
    }
    await this.streams.serve(caller.organization.id, after, caller.expiresAt, response, (listener) => request.on('close', listener));
  }
}

function bad(message: string): BadRequestException {
  return new BadRequestException({ code: 'REQUEST.INVALID_LAST_EVENT_ID', message });
}
