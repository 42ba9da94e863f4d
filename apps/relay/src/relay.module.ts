import { Module } from '@nestjs/common';

/** Delivers each committed event to the outbound topic of every organization entitled to it. */
@Module({})
export class RelayModule {}
