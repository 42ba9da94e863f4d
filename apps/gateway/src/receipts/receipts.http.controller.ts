import { BadRequestException, Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Receipt } from '@passerelle/contracts';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { ReceiptBook } from './receipt-book';

@ApiTags('gateway')
@ApiBearerAuth()
@Controller('receipts')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptBook) {}

  @Get()
  @RequireRole('publisher')
  @ApiOperation({ summary: 'The receipts of the caller’s organization, most recently received first: accepted with revision and hash, rejected with the code, reason and schema paths' })
  @ApiQuery({ name: 'status', required: false, enum: ['accepted', 'rejected'] })
  @ApiQuery({ name: 'before', required: false, description: 'only receipts received before this instant (ISO 8601): the receivedAt of the oldest already read' })
  @ApiQuery({ name: 'limit', required: false, description: 'at most 500 (default 100)' })
  async list(@Caller() caller: VerifiedCaller, @Query('status') status?: string, @Query('before') before?: string, @Query('limit') limit?: string): Promise<Array<{ seq: number; receipt: Receipt }>> {
    if (status !== undefined && status !== 'accepted' && status !== 'rejected') throw bad(`status must be accepted or rejected, not ${JSON.stringify(status.slice(0, 40))}`);
    if (before !== undefined && Number.isNaN(Date.parse(before))) throw bad(`before must be an ISO 8601 instant, not ${JSON.stringify(before.slice(0, 40))}`);
    return this.receipts.list(caller.organization.id, { status, before, limit: Math.min(whole('limit', limit) ?? 100, 500) });
  }

  @Get(':eventId')
  @RequireRole('publisher')
  @ApiOperation({ summary: 'The latest receipt of an event the caller’s organization published' })
  async get(@Caller() caller: VerifiedCaller, @Param('eventId') eventId: string): Promise<Receipt> {
    const receipt = await this.receipts.latest(caller.organization.id, eventId);
    if (!receipt) throw new NotFoundException({ code: 'RECEIPT.NOT_FOUND', message: `no receipt for event ${eventId} of ${caller.organization.id} (yet)` });
    return receipt;
  }
}

function bad(message: string): BadRequestException {
  return new BadRequestException({ code: 'REQUEST.INVALID_QUERY', message });
}

function whole(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d{1,15}$/.test(raw) || Number(raw) < 1) throw bad(`${name} must be a whole number from 1, not ${JSON.stringify(raw.slice(0, 40))}`);
  return Number(raw);
}
