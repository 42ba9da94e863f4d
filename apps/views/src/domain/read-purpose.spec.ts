import type { CaseView, TimelineEntry } from './case-view';
import { ENTITLEMENT_EVENT_TYPES } from '@passerelle/contracts';
import { purposesHeld } from './read-purpose';

const T = '2026-12-01T10:00:00Z';
let revision = 0;
const entry = (name: string, data: Record<string, unknown>, version = 1): TimelineEntry => ({
  revision: ++revision,
  position: revision,
  eventId: `evt-${revision}`,
  type: `passerelle.case.${name}.v${version}`,
  source: 'urn:passerelle:org:qc.ramq',
  time: T,
  channel: 'web',
  data,
});
const view = (organization: string, owner: string, ...timeline: TimelineEntry[]): CaseView => ({
  caseId: 'case-1',
  organization,
  status: 'open',
  owner,
  title: 't',
  participants: [owner, organization],
  current: {},
  revision: timeline.length,
  position: timeline.length,
  hash: 'h',
  updatedAt: T,
  timeline,
});
const granted = (organization: string, categories: string[], extra: Record<string, unknown> = {}, version = 2) =>
  entry('AccessGranted', { organization, categories, purpose: 'p', grantedBy: 'qc.ramq', ...extra }, version);
const held = (v: CaseView, at = T) => [...purposesHeld(v, v.timeline, at)].sort();

describe('the purposes an organization may read a case for (its own view)', () => {
  it('given the owner’s view, then every purpose of the catalogue', () => {
    expect(held(view('qc.ramq', 'qc.ramq'))).toEqual(['audit', 'eligibility-check', 'service-delivery']);
  });

  it('given a participant invited but granted nothing, then none', () => {
    expect(held(view('qc.mess', 'qc.ramq', entry('ParticipantInvited', { organization: 'qc.mess', role: 'observer', invitedBy: 'qc.ramq' })))).toEqual([]);
  });

  it('given grants naming purposes, then their union; a v1 grant (naming none) serves service-delivery', () => {
    expect(held(view('qc.mess', 'qc.ramq', granted('qc.mess', ['case'], { purposes: ['eligibility-check'] }), granted('qc.mess', ['service'], {}, 1)))).toEqual(['eligibility-check', 'service-delivery']);
  });

  it('given a grant to another organization, then nothing for this one', () => {
    expect(held(view('qc.mess', 'qc.ramq', granted('qc.saaq', ['case'], { purposes: ['audit'] })))).toEqual([]);
  });

  it('given a grant revoked, or lapsed (validUntil past), then its purposes are gone', () => {
    const revoked = entry('AccessRevoked', { organization: 'qc.mess', categories: ['case'], revokedBy: 'qc.ramq', reason: 'done' });
    expect(held(view('qc.mess', 'qc.ramq', granted('qc.mess', ['case'], { purposes: ['audit'] }), revoked))).toEqual([]);
    const lapsing = view('qc.mess', 'qc.ramq', granted('qc.mess', ['case'], { purposes: ['audit'], validUntil: '2026-12-02T00:00:00Z' }));
    expect(held(lapsing, '2026-12-01T23:59:59Z')).toEqual(['audit']);
    expect(held(lapsing, '2026-12-02T00:00:00Z')).toEqual([]);
  });

  it('given only the grant-bearing entries (what a list reads) and the owner from the summary, then the same purposes as from the whole timeline', () => {
    const invited = entry('ParticipantInvited', { organization: 'qc.mess', role: 'observer', invitedBy: 'qc.ramq' });
    const whole = view('qc.mess', 'qc.ramq', invited, granted('qc.mess', ['case'], { purposes: ['audit'] }));
    const grantsOnly = whole.timeline.filter((t) => new RegExp(ENTITLEMENT_EVENT_TYPES).test(t.type));
    expect(grantsOnly).toHaveLength(1);
    expect([...purposesHeld(whole, grantsOnly, T)]).toEqual(held(whole));
  });
});
