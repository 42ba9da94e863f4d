import { Module } from '@nestjs/common';

/** Write side: turns inbound messages into verified, validated, stored case events and receipts. */
@Module({})
export class LedgerModule {}
