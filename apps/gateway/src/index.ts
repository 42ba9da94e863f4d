import type { Component } from '@passerelle/platform';
import { GatewayModule } from './gateway.module';

/** The gateway component, as the hub and this app's own main compose it. */
export const gatewayComponent: Component = { name: 'gateway', module: GatewayModule, needs: ['store', 'bus', 'events', 'identity'] };

/** The event streams and their shared log follower, for what observes them (tests, health). */
export { EventStreams, type StreamEnd } from './stream/event-streams';
export { LogFanout } from './stream/log-fanout';
