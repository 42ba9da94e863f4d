import { evolveEntitlement, initialEntitlement, purposesServed, type Purpose } from '@passerelle/contracts';
import type { CaseView, TimelineEntry } from './case-view';

/**
 * The purposes an organization may read a case for, from what its own view holds: the owner
 * reads for any purpose of the catalogue; any other participant for the purposes of its grants
 * in force at `at` (a grant naming none serves service-delivery). The view holds every grant
 * and revocation about its organization (the ledger makes the grantee part of their audience),
 * so nothing outside the view is needed. `timeline` may be only the view's grant-bearing
 * entries (ENTITLEMENT_EVENT_TYPES), as a list of cases reads them.
 */
export function purposesHeld(view: Pick<CaseView, 'organization' | 'owner'>, timeline: readonly Pick<TimelineEntry, 'type' | 'data'>[], at: string): Set<Purpose> {
  const folded = timeline.reduce(evolveEntitlement, initialEntitlement(view.organization));
  return purposesServed({ ...folded, owner: view.owner }, at);
}
