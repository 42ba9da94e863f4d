import type { Component } from '@passerelle/platform';
import { FederationModule } from './federation.module';

/** The federation component, as the hub and this app's own main compose it. */
export const federationComponent: Component = { name: 'federation', module: FederationModule, needs: ['identity'] };
