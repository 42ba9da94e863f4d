import { DEFAULT_PURPOSE, isPurpose, PURPOSE_CODES, type Purpose } from './purposes';

/**
 * What an organization may read a case for, folded from the case's events it was shown: the
 * owner reads for any purpose of the catalogue; any other participant for the purposes of its
 * grants in force (a grant naming none serves service-delivery). The events an organization is
 * shown hold every grant and revocation about it (the ledger makes the grantee part of their
 * audience), so its own view of the case, or its own event stream, is all this needs. Pure:
 * the views fold a view's timeline, the gateway's event stream the case's events.
 */
export interface ReadEntitlement {
  organization: string;
  owner: string | null;
  /** category → the purposes and end of the grant in force for it */
  grants: ReadonlyMap<string, { purposes: Purpose[]; validUntil?: string }>;
}

/** Before any event of the case. */
export function initialEntitlement(organization: string): ReadEntitlement {
  return { organization, owner: null, grants: new Map() };
}

/** The entitlement once `event` (an upcast case event: type and data) is folded in. */
export function evolveEntitlement(state: ReadEntitlement, event: { type: string; data: Record<string, unknown> }): ReadEntitlement {
  const name = /^passerelle\.case\.([A-Za-z]+)\.v\d+$/.exec(event.type)?.[1];
  const { data } = event;
  const categories = Array.isArray(data.categories) ? data.categories.map(String) : [];
  if (name === 'CaseOpened' && typeof data.owner === 'string') return { ...state, owner: data.owner };
  if (name === 'CaseTransferred' && typeof data.to === 'string') {
    // Grants held before it became the owner no longer matter while it stays so.
    return { ...state, owner: data.to, grants: data.to === state.organization ? new Map() : state.grants };
  }
  if (name === 'AccessGranted' && data.organization === state.organization) {
    const named = Array.isArray(data.purposes) ? data.purposes.filter(isPurpose) : [];
    const purposes = named.length > 0 ? named : [DEFAULT_PURPOSE];
    const validUntil = typeof data.validUntil === 'string' ? data.validUntil : undefined;
    const grants = new Map(state.grants);
    for (const category of categories) grants.set(category, { purposes, ...(validUntil ? { validUntil } : {}) });
    return { ...state, grants };
  }
  if (name === 'AccessRevoked' && data.organization === state.organization) {
    const grants = new Map(state.grants);
    for (const category of categories) grants.delete(category);
    return { ...state, grants };
  }
  return state;
}

/** The purposes the entitlement serves at the instant `at` (ISO 8601): a lapsed grant (validUntil past) serves none. */
export function purposesServed(state: ReadEntitlement, at: string): Set<Purpose> {
  if (state.owner !== null && state.owner === state.organization) return new Set(PURPOSE_CODES);
  const instant = Date.parse(at);
  const held = new Set<Purpose>();
  for (const grant of state.grants.values()) {
    if (grant.validUntil !== undefined && !(Date.parse(grant.validUntil) > instant)) continue;
    for (const purpose of grant.purposes) held.add(purpose);
  }
  return held;
}

/** Why a read for `purpose` is refused, in the words of ACCESS.PURPOSE_NOT_GRANTED. */
export function purposeRefusal(organization: string, caseId: string, purpose: Purpose, held: ReadonlySet<Purpose>): string {
  const holds = held.size === 0 ? 'holds no grant in force' : `holds grants for ${[...held].join(', ')} only`;
  return `${organization} may not read ${caseId} for ${purpose}: it ${holds}`;
}

/** Grant-bearing event types, for a store or view query that needs only these (SQL regular expression). */
export const ENTITLEMENT_EVENT_TYPES = '^passerelle\\.case\\.(CaseOpened|CaseTransferred|AccessGranted|AccessRevoked)\\.v[0-9]+$';
