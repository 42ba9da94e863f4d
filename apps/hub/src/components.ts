import type { Component } from '@passerelle/platform';
import { ConfigError } from '@passerelle/platform';
// The hub is the one composition root allowed to import other apps, and only their index.
import { auditComponent } from '../../audit/src';
import { federationComponent } from '../../federation/src';
import { gatewayComponent } from '../../gateway/src';
import { insightsComponent } from '../../insights/src';
import { ledgerComponent } from '../../ledger/src';
import { relayComponent } from '../../relay/src';
import { schemasComponent } from '../../schemas/src';
import { viewsComponent } from '../../views/src';

export const ALL_COMPONENTS: readonly Component[] = [
  federationComponent,
  schemasComponent,
  ledgerComponent,
  relayComponent,
  viewsComponent,
  gatewayComponent,
  auditComponent,
  insightsComponent,
];

/**
 * Chooses what the hub runs from PASSERELLE_TARGET: `all` (the default) or a comma-separated
 * list of component names, like one binary with many targets.
 */
export function selectComponents(target = 'all'): Component[] {
  const wanted = target.split(',').map((t) => t.trim()).filter(Boolean);
  if (wanted.length === 0 || wanted.includes('all')) return [...ALL_COMPONENTS];
  const known = new Map(ALL_COMPONENTS.map((c) => [c.name, c]));
  return wanted.map((name) => {
    const component = known.get(name);
    if (!component) {
      throw new ConfigError(`PASSERELLE_TARGET names "${name}", which is not a component: use all, or some of ${[...known.keys()].join(', ')}`);
    }
    return component;
  });
}
