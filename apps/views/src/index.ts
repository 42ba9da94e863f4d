import type { Component } from '@passerelle/platform';
import { ViewsModule } from './views.module';

/** The views component, as the hub and this app's own main compose it. */
export const viewsComponent: Component = { name: 'views', module: ViewsModule, needs: ['store', 'bus', 'events', 'identity'] };
