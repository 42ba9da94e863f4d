import { Module } from '@nestjs/common';
import { CitizensModule } from '@passerelle/citizens';
import { Relay } from './delivery/relay';

/** Delivers each committed event to the outbound topic of every organization entitled to it. */
@Module({ imports: [CitizensModule], providers: [Relay] })
export class RelayModule {}
