import { listForPurpose, MAX_PAGES_SCANNED } from './purpose-bound-list';
import type { CaseSummary, ViewStore } from './view-store';

/** The two reads listForPurpose makes, over a list of cases B was invited to with no grant at all. */
function storeOf(cases: CaseSummary[], onList: (offset: number) => CaseSummary[] = (offset) => cases.slice(offset)) {
  const offsets: number[] = [];
  const store = {
    list: async (_organization: string, filter: { limit: number; offset?: number }) => {
      offsets.push(filter.offset ?? 0);
      return onList(filter.offset ?? 0).slice(0, filter.limit);
    },
    entitlementEntries: async (_organization: string, ids: readonly string[]) => new Map(ids.map((id) => [id, []])),
  };
  return { store: store as unknown as ViewStore, offsets };
}

const summary = (i: number): CaseSummary => ({ caseId: `case-${i}`, status: 'open', owner: 'demo.a', title: null, revision: 1, hash: 'h' }) as CaseSummary;

describe('a purpose-bound list', () => {
  it('reads at most a bounded number of pages when the purpose serves none of them: a shorter page, not a read of the whole list', async () => {
    const cases = Array.from({ length: 1_000 }, (_, i) => summary(i));
    const { store, offsets } = storeOf(cases);
    const { shown, withheld } = await listForPurpose(store, 'demo.b', 'eligibility-check', { limit: 2 }, new Date().toISOString());
    expect(shown).toEqual([]);
    expect(offsets).toHaveLength(MAX_PAGES_SCANNED);
    expect(withheld.map((c) => c.caseId)).toEqual(cases.slice(0, 2 * MAX_PAGES_SCANNED).map((c) => c.caseId));
  });

  it('lists a case once when an update moved the list between two pages', async () => {
    // B owns cases 3–5; 0–2 are A's, shared with no grant. case-5 is updated after the first page is read: it moves to the top, and the second page starts one case earlier.
    const cases = Array.from({ length: 6 }, (_, i) => ({ ...summary(i), owner: i >= 3 ? 'demo.b' : 'demo.a' }));
    const moved = [cases[5]!, ...cases.slice(0, 5)];
    const { store } = storeOf(cases, (offset) => (offset === 0 ? cases : moved.slice(offset)));
    const { shown, withheld } = await listForPurpose(store, 'demo.b', 'audit', { limit: 3 }, new Date().toISOString());
    expect(withheld.map((c) => c.caseId)).toEqual(['case-0', 'case-1', 'case-2']);
    expect(shown.map((c) => c.caseId)).toEqual(['case-3', 'case-4']);
  });
});
