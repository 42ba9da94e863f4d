import type { KeyRecord, MemberOrganization, Role } from '../federation';

/**
 * The federation's history as events: the shared contract between the federation registry,
 * which appends them, and every process that folds them into its member directory.
 */
export type FederationEvent =
  | { type: 'OrganizationAdmitted'; data: { id: string; name: string; issuers: string[]; roles: Role[]; keys: KeyRecord[]; jwksUri?: string } }
  | { type: 'KeyAdded'; data: { id: string; key: KeyRecord } }
  | { type: 'KeyRetired'; data: { id: string; kid: string; validUntil: string } }
  | { type: 'KeyRevoked'; data: { id: string; kid: string; revokedAt: string; reason: string } }
  | { type: 'RolesChanged'; data: { id: string; roles: Role[] } };

export interface FederationState {
  organizations: ReadonlyMap<string, MemberOrganization>;
}

export const initialFederation = (): FederationState => ({ organizations: new Map() });

export function evolve(state: FederationState, event: FederationEvent): FederationState {
  const organizations = new Map(state.organizations);
  const update = (id: string, change: (org: MemberOrganization) => MemberOrganization) => {
    const org = organizations.get(id);
    if (org) organizations.set(id, change(org));
  };
  const updateKey = (id: string, kid: string, change: (key: KeyRecord) => KeyRecord) =>
    update(id, (org) => ({ ...org, keys: org.keys.map((k) => (k.kid === kid ? change(k) : k)) }));
  switch (event.type) {
    case 'OrganizationAdmitted':
      organizations.set(event.data.id, { ...event.data });
      break;
    case 'KeyAdded':
      update(event.data.id, (org) => ({ ...org, keys: [...org.keys, event.data.key] }));
      break;
    case 'KeyRetired':
      updateKey(event.data.id, event.data.kid, (k) => ({ ...k, validUntil: event.data.validUntil }));
      break;
    case 'KeyRevoked':
      updateKey(event.data.id, event.data.kid, (k) => ({ ...k, revokedAt: event.data.revokedAt }));
      break;
    case 'RolesChanged':
      update(event.data.id, (org) => ({ ...org, roles: event.data.roles }));
      break;
    default: {
      const unknown: never = event;
      throw new Error(`unhandled federation event ${JSON.stringify(unknown)}`);
    }
  }
  return { organizations };
}
