import type { Purpose } from '@passerelle/contracts';
import { purposesHeld } from '../domain/read-purpose';
import type { CaseSummary, ViewStore } from './view-store';

export interface PurposeBoundList {
  /** The cases the organization may read for the purpose, at most `limit`, in list order. */
  shown: CaseSummary[];
  /** Cases met on the way that it may not read for the purpose, left out. */
  withheld: CaseSummary[];
}

/**
 * An organization's list of cases bound to the purpose it states, as a read of one case is:
 * a case is listed when the organization owns it or holds a grant in force serving that
 * purpose, and left out otherwise. Pages through the list until `limit` cases are shown or
 * there are no more, so leaving cases out never shortens a page that had more to show.
 */
export async function listForPurpose(
  store: ViewStore,
  organization: string,
  purpose: Purpose,
  filter: { status?: string; updatedSince?: string; search?: string; limit: number },
  at: string,
): Promise<PurposeBoundList> {
  const shown: CaseSummary[] = [];
  const withheld: CaseSummary[] = [];
  for (let offset = 0; shown.length < filter.limit; offset += filter.limit) {
    const page = await store.list(organization, { ...filter, offset });
    const others = page.filter((c) => c.owner !== organization).map((c) => c.caseId);
    const entries = await store.entitlementEntries(organization, others);
    for (const summary of page) {
      if (shown.length === filter.limit) break;
      const timeline = entries.get(summary.caseId) ?? [];
      const served = summary.owner === organization || purposesHeld({ organization, owner: summary.owner }, timeline, at).has(purpose);
      (served ? shown : withheld).push(summary);
    }
    if (page.length < filter.limit) break;
  }
  return { shown, withheld };
}
