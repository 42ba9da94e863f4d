import { organizationOf } from '@passerelle/contracts';
import type { CitizenDirectory } from '@passerelle/citizens';
import type { CaseView } from '../domain/case-view';

/**
 * A view as its organization is shown it: every citizen reference (each event's data, as its
 * publisher signed it) replaced by the reader's own pairwise pseudonym of that citizen. The
 * stored view is untouched; `current` holds the same data as the timeline's latest entries,
 * so it is mapped through the same references.
 */
export async function presentView(view: CaseView, citizens: CitizenDirectory): Promise<CaseView> {
  const reader = view.organization;
  const shown = new Map<string, string | null>();
  const timeline = await Promise.all(
    view.timeline.map(async (entry) => {
      const publisher = organizationOf(entry.source) ?? reader;
      const data = await citizens.presentData(reader, publisher, entry.data);
      if (typeof entry.data.citizen === 'string') shown.set(entry.data.citizen, (data.citizen as string | null) ?? null);
      return data === entry.data ? entry : { ...entry, data };
    }),
  );
  const current: CaseView['current'] = {};
  for (const [name, data] of Object.entries(view.current)) {
    const reference = data.citizen;
    current[name] = typeof reference === 'string' ? { ...data, citizen: shown.has(reference) ? shown.get(reference) : await fallback(view, citizens) } : data;
  }
  return { ...view, timeline, current };
}

/** A reference only `current` holds (its entry outside this page of the timeline): the case's citizen, as the reader knows it. */
async function fallback(view: CaseView, citizens: CitizenDirectory): Promise<string | null> {
  const citizen = await citizens.citizenOfCase(view.caseId);
  return citizen === undefined ? null : citizens.pseudonymFor(view.organization, citizen);
}
