import { Module } from '@nestjs/common';

/** Replays and verifies histories: hash chains, publisher signatures, checkpoints. */
@Module({})
export class AuditModule {}
