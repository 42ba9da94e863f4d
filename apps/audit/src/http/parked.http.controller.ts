import { BadRequestException, ConflictException, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ParkingLot, type ParkedMessage, type ParkedStatus } from '@passerelle/parking';
import { RequireRole } from '@passerelle/platform';

const STATUSES = ['waiting', 'parked', 'replay-requested', 'replayed'] as const;

/** What a listing shows of a parked message: everything but its bytes. */
function summary(message: ParkedMessage) {
  const { value, ...rest } = message;
  return { ...rest, bytes: value.length };
}

@ApiTags('parking')
@ApiBearerAuth()
@Controller('parked')
export class ParkedController {
  constructor(private readonly lot: ParkingLot) {}

  @Get()
  @RequireRole('operator', 'auditor')
  @ApiOperation({ summary: 'Messages a component parked after bounded retries (oldest first), and how many of each component and status' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES, description: 'waiting (the default) is parked or replay-requested' })
  @ApiQuery({ name: 'component', required: false })
  async list(@Query('status') status = 'waiting', @Query('component') component?: string) {
    if (!(STATUSES as readonly string[]).includes(status)) {
      throw new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message: `status must be one of ${STATUSES.join(', ')}, not ${JSON.stringify(status.slice(0, 40))}` });
    }
    const [messages, counts] = await Promise.all([this.lot.list({ status: status as ParkedStatus | 'waiting', component }), this.lot.counts()]);
    return { counts, messages: messages.map(summary) };
  }

  @Get(':id')
  @RequireRole('operator', 'auditor')
  @ApiOperation({ summary: 'One parked message: its source, error, attempts, headers and original bytes (base64, and as text when it is UTF-8)' })
  @ApiResponse({ status: 404, description: 'PARKED.NOT_FOUND' })
  async show(@Param('id') id: string) {
    const message = await this.found(id);
    const text = new TextDecoder('utf-8', { fatal: false }).decode(message.value);
    return { ...summary(message), value: message.value.toString('base64'), text: Buffer.from(text, 'utf8').equals(message.value) ? text : null };
  }

  @Post(':id/replay')
  @HttpCode(HttpStatus.ACCEPTED)
  @RequireRole('operator')
  @ApiOperation({ summary: 'Asks the owning component to replay the message’s case: its parked messages oldest first, up to the first that fails again' })
  @ApiResponse({ status: 404, description: 'PARKED.NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'PARKED.ALREADY_REPLAYED' })
  async replay(@Param('id') id: string) {
    const message = await this.found(id);
    if (message.status === 'replayed') throw new ConflictException({ code: 'PARKED.ALREADY_REPLAYED', message: `parked message ${id} was replayed at ${message.updatedAt}` });
    const requested = await this.lot.requestReplay(id);
    return { requested: requested.map(summary) };
  }

  private async found(id: string): Promise<ParkedMessage> {
    const message = await this.lot.get(id);
    if (!message) throw new NotFoundException({ code: 'PARKED.NOT_FOUND', message: `no parked message ${JSON.stringify(id.slice(0, 40))}` });
    return message;
  }
}
