import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CitizenDirectory, CitizensModule } from '@passerelle/citizens';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { InboundConsumer } from './ingest/inbound.consumer';
import { LedgerMetrics } from './ledger.metrics';
import { CaseRepository } from './record-case-events/case-repository';
import { RecordCaseEventsHandler } from './record-case-events/record-case-events.handler';
import { RejectionLog } from './rejections/rejection-log';
import { RejectionsController } from './rejections/rejections.http.controller';

/** Write side: turns inbound messages into verified, validated, stored case events and receipts. */
@Module({
  imports: [CqrsModule.forRoot(), CitizensModule],
  controllers: [RejectionsController],
  providers: [
    // command handlers
    RecordCaseEventsHandler,
    // repositories and logs
    { provide: CaseRepository, inject: [EVENT_STORE, CitizenDirectory], useFactory: (store: EventStore, citizens: CitizenDirectory) => new CaseRepository(store, undefined, citizens) },
    RejectionLog,
    LedgerMetrics,
    // consumers
    InboundConsumer,
  ],
})
export class LedgerModule {}
