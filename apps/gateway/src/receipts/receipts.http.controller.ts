import { Controller, Get, NotFoundException, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Receipt } from '@passerelle/contracts';
import type { VerifiedCaller } from '@passerelle/identity';
import { Caller, RequireRole } from '@passerelle/platform';
import { ReceiptBook } from './receipt-book';

@ApiTags('gateway')
@ApiBearerAuth()
@Controller('receipts')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptBook) {}

  @Get(':eventId')
  @RequireRole('publisher')
  @ApiOperation({ summary: 'The latest receipt of an event the caller’s organization published' })
  async get(@Caller() caller: VerifiedCaller, @Param('eventId') eventId: string): Promise<Receipt> {
    const receipt = await this.receipts.latest(caller.organization.id, eventId);
    if (!receipt) throw new NotFoundException({ code: 'RECEIPT.NOT_FOUND', message: `no receipt for event ${eventId} of ${caller.organization.id} (yet)` });
    return receipt;
  }
}
