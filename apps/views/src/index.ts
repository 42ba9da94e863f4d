import type { Component } from '@passerelle/platform';
import { ViewsModule } from './views.module';

/** The views component, as the hub and this app's own main compose it. */
export const viewsComponent: Component = { name: 'views', module: ViewsModule, needs: ['store', 'bus', 'events', 'identity'] };

/** The view store alone, for the benchmark of its append cost. */
export { ViewStore } from './projection/view-store';
export type { CaseView, CommittedEvent } from './domain/case-view';
