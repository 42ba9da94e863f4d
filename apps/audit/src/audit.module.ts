import { Module } from '@nestjs/common';
import { CheckpointService } from './checkpoints/checkpoint-service';
import { AuditController } from './http/audit.http.controller';
import { HubKeys } from './hub-key/hub-keys';
import { Auditor } from './replay/auditor';

/** Replays and verifies histories: hash chains, publisher signatures, checkpoints. */
@Module({
  controllers: [AuditController],
  providers: [HubKeys, CheckpointService, Auditor],
})
export class AuditModule {}
