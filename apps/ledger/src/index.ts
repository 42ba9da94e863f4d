import type { Component } from '@passerelle/platform';
import { LedgerModule } from './ledger.module';

/** The ledger component, as the hub and this app's own main compose it. */
export const ledgerComponent: Component = { name: 'ledger', module: LedgerModule, needs: ['store', 'bus', 'events', 'identity'] };
