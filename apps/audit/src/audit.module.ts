import { Module } from '@nestjs/common';
import { CitizensModule } from '@passerelle/citizens';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { ParkingLot } from '@passerelle/parking';
import { CheckpointService } from './checkpoints/checkpoint-service';
import { AuditController } from './http/audit.http.controller';
import { ErasureController } from './http/erasure.http.controller';
import { ParkedController } from './http/parked.http.controller';
import { HubKeys } from './hub-key/hub-keys';
import { Auditor } from './replay/auditor';

/** Replays and verifies histories: hash chains, publisher signatures, checkpoints; lists and replays parked messages; erases citizens' personal data. */
@Module({
  // Erasures name the citizen as a member knows them; the directory maps that to the hub's id.
  imports: [CitizensModule],
  controllers: [AuditController, ParkedController, ErasureController],
  providers: [HubKeys, CheckpointService, Auditor, { provide: ParkingLot, inject: [SQL_DATABASE], useFactory: (db: SqlDatabase) => ParkingLot.open(db) }],
})
export class AuditModule {}
