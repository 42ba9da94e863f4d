import type { AccessRule } from '@passerelle/messaging';
import { inboundTopic, outboundTopic, receiptsTopic } from './topics';

/**
 * Who may do what on the broker, derived from the federation: the ACLs the hub keeps on
 * Kafka. Principals are the `sub` of the hub-signed tokens the broker accepts: a member
 * organization's id, or `hub_<service>` for the hub's own services. Organization ids never
 * hold `_` (see topics.ts), so no member can be named like a hub service.
 */
/** The one super user: grants and revokes ACLs, creates topics. */
export const HUB_ADMIN_PRINCIPAL = 'hub_admin';

/**
 * The principal a hub target runs as: the all-in-one hub and the federation (which keeps
 * the ACLs) as hub_admin; every other service as itself, with only the rights below.
 */
export function hubPrincipal(target: string): string {
  return target === 'hub' || target === 'federation' ? HUB_ADMIN_PRINCIPAL : `hub_${target}`;
}

/**
 * What one member may do. A publisher writes its inbound topic and reads its receipts; a
 * subscriber reads its outbound topic; either reads through consumer groups named
 * `<id>.<anything>`. An organization with neither role (suspended: its roles withdrawn) has
 * nothing. Nobody but the hub creates topics.
 */
export function organizationAccess(organization: { id: string; roles: readonly string[] }): AccessRule[] {
  const { id, roles } = organization;
  const rules: AccessRule[] = [];
  const topic = (name: string, operation: AccessRule['operation']): AccessRule => ({ principal: id, resource: 'topic', pattern: 'literal', name, operation });
  if (roles.includes('publisher')) rules.push(topic(inboundTopic(id), 'write'), topic(receiptsTopic(id), 'read'));
  if (roles.includes('subscriber')) rules.push(topic(outboundTopic(id), 'read'));
  if (rules.length > 0) rules.push({ principal: id, resource: 'group', pattern: 'prefixed', name: `${id}.`, operation: 'read' });
  return rules;
}

const INBOUND = inboundTopic('');
const OUTBOUND = outboundTopic('');
const RECEIPTS = receiptsTopic('');

/**
 * What each hub service needs, and nothing more: the ledger reads inbound and writes
 * receipts, the relay writes outbound, the views read outbound, the gateway writes inbound
 * (HTTP publishers) and reads receipts. Each creates the topics it works on (a member's
 * topics appear when the service first meets them) and joins only its own group.
 */
export function hubServiceAccess(groupPrefix: string): AccessRule[] {
  const rules: AccessRule[] = [];
  const topics = (principal: string, prefix: string, operation: 'read' | 'write') => {
    rules.push({ principal, resource: 'topic', pattern: 'prefixed', name: prefix, operation }, { principal, resource: 'topic', pattern: 'prefixed', name: prefix, operation: 'create' });
  };
  const group = (principal: string, service: string) => rules.push({ principal, resource: 'group', pattern: 'literal', name: `${groupPrefix}-${service}`, operation: 'read' });
  topics('hub_ledger', INBOUND, 'read');
  topics('hub_ledger', RECEIPTS, 'write');
  group('hub_ledger', 'ledger');
  topics('hub_relay', OUTBOUND, 'write');
  topics('hub_views', OUTBOUND, 'read');
  group('hub_views', 'views');
  topics('hub_gateway', INBOUND, 'write');
  topics('hub_gateway', RECEIPTS, 'read');
  group('hub_gateway', 'gateway');
  return rules;
}

/**
 * Which of the broker's ACLs one hub keeps: those of its federation's members, and those of
 * its services on the topic layout and on its own groups (`<groupPrefix>-…`). Anything else
 * (another hub's groups on a shared cluster, an operator's own principals) is not its own.
 */
export function managedByHub(groupPrefix: string, memberIds: ReadonlySet<string>): (principal: string, resource: 'topic' | 'group' | 'other', name: string) => boolean {
  return (principal, resource, name) => {
    if (memberIds.has(principal)) return true;
    if (!/^hub_[a-z]+$/.test(principal) || principal === HUB_ADMIN_PRINCIPAL) return false;
    if (resource === 'topic') return name.startsWith('passerelle.');
    return resource === 'group' && name.startsWith(`${groupPrefix}-`);
  };
}
