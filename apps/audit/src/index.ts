import type { Component } from '@passerelle/platform';
import { AuditModule } from './audit.module';

/** The audit component, as the hub and this app's own main compose it. */
export const auditComponent: Component = { name: 'audit', module: AuditModule, needs: ['events', 'identity'] };
