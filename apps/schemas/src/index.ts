import type { Component } from '@passerelle/platform';
import { SchemasModule } from './schemas.module';

/** The schemas component, as the hub and this app's own main compose it. */
export const schemasComponent: Component = { name: 'schemas', module: SchemasModule, needs: ['identity'] };
