import { Module } from '@nestjs/common';
import { Relay } from './delivery/relay';

/** Delivers each committed event to the outbound topic of every organization entitled to it. */
@Module({ providers: [Relay] })
export class RelayModule {}
