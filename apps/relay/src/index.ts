import type { Component } from '@passerelle/platform';
import { RelayModule } from './relay.module';

/** The relay component, as the hub and this app's own main compose it. */
export const relayComponent: Component = { name: 'relay', module: RelayModule, needs: ['store', 'bus', 'events'] };
