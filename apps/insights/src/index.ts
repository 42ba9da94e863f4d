import type { Component } from '@passerelle/platform';
import { InsightsModule } from './insights.module';

/** The insights component, as the hub and this app's own main compose it. */
export const insightsComponent: Component = { name: 'insights', module: InsightsModule, needs: ['store', 'events', 'identity'] };
