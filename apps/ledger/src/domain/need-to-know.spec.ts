import fc from 'fast-check';
import { caseEventOf, CONSENT_GATED, decide, evolve, initialCaseFile, type CaseEvent, type CaseFile, type Category } from './case-file';

/**
 * Random sharing configurations: random sequences of invitations, grants, revocations,
 * consents, withdrawals and ordinary events by random organizations. For every accepted event,
 * the audience the decider stores must be exactly who an independent reading of the accepted
 * history says is entitled: nobody receives what they are not entitled to, nobody misses
 * what they are.
 */
const ORGS = ['org.a', 'org.b', 'org.c', 'org.d'] as const;
const CATEGORIES: Category[] = ['case', 'service', 'decisions', 'contact', 'appointments'];
const CITIZEN = 'cit-1';
const OWNER = 'org.a';

type Step =
  | { kind: 'invite'; by: string; org: string; role: 'contributor' | 'observer' }
  | { kind: 'grant'; by: string; org: string; categories: Category[]; mayDelegate: boolean }
  | { kind: 'revoke'; by: string; org: string; categories: Category[] }
  | { kind: 'consent'; by: string; org: string; categories: Category[]; id: number }
  | { kind: 'withdraw'; by: string; id: number }
  | { kind: 'publish'; by: string; category: Category };

const org = fc.constantFrom(...ORGS);
/** Mostly the owner acts, so that sharing actually happens; others try too, and are refused or not. */
const by = fc.oneof({ weight: 3, arbitrary: fc.constant(OWNER) }, { weight: 2, arbitrary: org });
const categories = fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invite' as const), by, org, role: fc.constantFrom('contributor' as const, 'observer' as const) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('grant' as const), by, org, categories, mayDelegate: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('revoke' as const), by, org, categories }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('consent' as const), by, org, categories, id: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), by, id: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('publish' as const), by, category: fc.constantFrom(...CATEGORIES) }) },
);

const AT = '2026-12-01T10:00:00Z';
let n = 0;
function toEvent(s: Step): CaseEvent {
  const event = (type: string, category: Category, data: Record<string, unknown>) =>
    caseEventOf({ id: `e${++n}`, type: `passerelle.case.${type}.v1`, data }, { publisher: s.by, category, receivedAt: AT });
  switch (s.kind) {
    case 'invite':
      return event('ParticipantInvited', 'case', { organization: s.org, role: s.role, invitedBy: s.by, reason: 'r' });
    case 'grant':
      return event('AccessGranted', 'case', { organization: s.org, categories: s.categories, purpose: 'p', grantedBy: s.by, mayDelegate: s.mayDelegate });
    case 'revoke':
      return event('AccessRevoked', 'case', { organization: s.org, categories: s.categories, revokedBy: s.by, reason: 'r' });
    case 'consent':
      return event('ConsentRecorded', 'consent', { consentId: `c${s.id}`, citizen: CITIZEN, grantedTo: s.org, categories: s.categories, purpose: 'p', recordedAt: AT, channel: 'web' });
    case 'withdraw':
      return event('ConsentWithdrawn', 'consent', { consentId: `c${s.id}`, citizen: CITIZEN, withdrawnAt: AT, channel: 'web' });
    case 'publish':
      return event('ServiceRequested', s.category, {});
  }
}

const dataOf = (event: CaseEvent) => event.data as unknown as Record<string, unknown>;

/**
 * Entitlement read straight off the accepted history, without the decider's state: the
 * owner; the publisher; whom an access or consent event names; anyone whose latest grant
 * of the category was not revoked since, with — for a gated category — a consent recorded and
 * not withdrawn since.
 */
function oracle(history: readonly CaseEvent[], event: CaseEvent): string[] {
  const entitled = new Set<string>([OWNER, event.publisher]);
  const d = dataOf(event);
  if (event.kind === 'ParticipantInvited' || event.kind === 'AccessGranted' || event.kind === 'AccessRevoked') entitled.add(String(d.organization));
  if (event.kind === 'ConsentRecorded') entitled.add(String(d.grantedTo));
  if (event.kind === 'ConsentWithdrawn') {
    const recorded = history.find((h) => h.kind === 'ConsentRecorded' && dataOf(h).consentId === d.consentId);
    if (recorded) entitled.add(String((recorded.data as Record<string, unknown>).grantedTo));
  }
  const all = [...history, event];
  for (const candidate of ORGS) {
    let granted = false;
    for (const h of all) {
      const hd = dataOf(h);
      if (hd.organization !== candidate || !(hd.categories as string[] | undefined)?.includes(event.category)) continue;
      if (h.kind === 'AccessGranted') granted = true;
      if (h.kind === 'AccessRevoked') granted = false;
    }
    if (!granted) continue;
    if (CONSENT_GATED.has(event.category)) {
      const consented = all.some((h) => {
        const hd = dataOf(h);
        if (h.kind !== 'ConsentRecorded' || hd.grantedTo !== candidate || !(hd.categories as string[]).includes(event.category)) return false;
        return !all.some((w) => w.kind === 'ConsentWithdrawn' && dataOf(w).consentId === hd.consentId);
      });
      if (!consented) continue;
    }
    entitled.add(candidate);
  }
  return [...entitled].sort();
}

describe('need to know, by construction', () => {
  it('gives every accepted event exactly the audience its history entitles, over random sharing configurations', () => {
    // Counted so the test shows it reached the interesting cases, not only refusals.
    const seen = { accepted: 0, sharedBeyondOwner: 0, gatedShared: 0 };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('contributor' as const, 'observer' as const), { minLength: 3, maxLength: 3 }),
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        fc.array(step, { minLength: 1, maxLength: 60 }),
        (roles, consenting, steps) => {
        let state: CaseFile = initialCaseFile();
        const opened = caseEventOf({ id: `e${++n}`, type: 'passerelle.case.CaseOpened.v1', data: { owner: OWNER, citizen: CITIZEN, title: 't', openedAt: AT } }, { publisher: OWNER, category: 'case', receivedAt: AT });
        state = evolve(state, opened);
        const history: CaseEvent[] = [opened];
        // Everyone is invited first (roles at random), so that grants can happen at all.
        const others = ORGS.filter((o) => o !== OWNER);
        const invitations: Step[] = others.map((o, i) => ({ kind: 'invite', by: OWNER, org: o, role: roles[i]! }));
        // And some start with the citizen's consent to the gated categories, so those get shared too.
        const consents: Step[] = others.flatMap((o, i) => (consenting[i] ? [{ kind: 'consent', by: OWNER, org: o, categories: ['decisions', 'contact'], id: 10 + i }] : []));
        for (const s of [...invitations, ...consents, ...steps]) {
          const event = toEvent(s);
          const decision = decide(event, state);
          if (!decision.accepted) continue;
          expect(decision.audience).toEqual(oracle(history, event));
          seen.accepted += 1;
          if (event.kind === 'Other' && decision.audience.some((o) => o !== OWNER && o !== event.publisher)) {
            seen.sharedBeyondOwner += 1;
            if (CONSENT_GATED.has(event.category)) seen.gatedShared += 1;
          }
          state = evolve(state, event);
          history.push(event);
        }
      }),
      { numRuns: 1_000 },
    );
    expect(seen.accepted).toBeGreaterThan(3_000);
    expect(seen.sharedBeyondOwner).toBeGreaterThan(50);
    expect(seen.gatedShared).toBeGreaterThan(10);
  });
});
