import type { Purpose } from '@passerelle/contracts';
import { purposesHeld } from '../domain/read-purpose';
import type { CaseSummary, ViewStore } from './view-store';

export interface PurposeBoundList {
  /** The cases the organization may read for the purpose, at most `limit`, in list order. */
  shown: CaseSummary[];
  /** Cases met on the way that it may not read for the purpose, left out. */
  withheld: CaseSummary[];
}

/** A list reads on past cases left out, but at most this many pages of `limit`: one call's work stays bounded. */
export const MAX_PAGES_SCANNED = 5;

/**
 * An organization's list of cases bound to the purpose it states, as a read of one case is:
 * a case is listed when the organization owns it or holds a grant in force serving that
 * purpose, and left out otherwise. Pages through the list until `limit` cases are shown, there
 * are no more, or MAX_PAGES_SCANNED pages were read (a purpose the caller holds for few of its
 * cases then gives a shorter page, never unbounded work and access-log writes).
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
  // A case updated while the list is read moves up the order and may come again on a later page.
  const seen = new Set<string>();
  for (let offset = 0, pages = 0; shown.length < filter.limit && pages < MAX_PAGES_SCANNED; offset += filter.limit, pages++) {
    const read = await store.list(organization, { ...filter, offset });
    const page = read.filter((c) => !seen.has(c.caseId));
    const others = page.filter((c) => c.owner !== organization).map((c) => c.caseId);
    const entries = await store.entitlementEntries(organization, others);
    for (const summary of page) {
      if (shown.length === filter.limit) break;
      seen.add(summary.caseId);
      const timeline = entries.get(summary.caseId) ?? [];
      const served = summary.owner === organization || purposesHeld({ organization, owner: summary.owner }, timeline, at).has(purpose);
      (served ? shown : withheld).push(summary);
    }
    if (read.length < filter.limit) break;
  }
  return { shown, withheld };
}
