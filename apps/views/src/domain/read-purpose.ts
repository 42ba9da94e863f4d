import { DEFAULT_PURPOSE, isPurpose, PURPOSE_CODES, type Purpose } from '@passerelle/contracts';
import type { CaseView } from './case-view';

/**
 * The purposes an organization may read a case for, from what its own view holds: the owner
 * reads for any purpose of the catalogue; any other participant for the purposes of its grants
 * in force at `at` (a grant naming none serves service-delivery). The view holds every grant
 * and revocation about its organization (the ledger makes the grantee part of their audience),
 * so nothing outside the view is needed.
 */
export function purposesHeld(view: CaseView, at: string): Set<Purpose> {
  if (view.owner === view.organization) return new Set(PURPOSE_CODES);
  const instant = Date.parse(at);
  /** category → purposes and end of the grant in force */
  const grants = new Map<string, { purposes: Purpose[]; validUntil?: string }>();
  for (const entry of view.timeline) {
    const name = /^passerelle\.case\.([A-Za-z]+)\.v\d+$/.exec(entry.type)?.[1];
    const data = entry.data;
    if (name === 'AccessGranted' && data.organization === view.organization) {
      const named = Array.isArray(data.purposes) ? data.purposes.filter(isPurpose) : [];
      const purposes = named.length > 0 ? named : [DEFAULT_PURPOSE];
      const validUntil = typeof data.validUntil === 'string' ? data.validUntil : undefined;
      for (const category of Array.isArray(data.categories) ? data.categories : []) grants.set(String(category), { purposes, ...(validUntil ? { validUntil } : {}) });
    } else if (name === 'AccessRevoked' && data.organization === view.organization) {
      for (const category of Array.isArray(data.categories) ? data.categories : []) grants.delete(String(category));
    } else if (name === 'CaseTransferred' && data.to === view.organization) {
      grants.clear(); // it became the owner (handled above while it stays so)
    }
  }
  const held = new Set<Purpose>();
  for (const grant of grants.values()) {
    if (grant.validUntil !== undefined && !(Date.parse(grant.validUntil) > instant)) continue;
    for (const purpose of grant.purposes) held.add(purpose);
  }
  return held;
}
