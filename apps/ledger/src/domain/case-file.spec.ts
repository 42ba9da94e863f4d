import { caseEventOf, decide, entitled, evolve, initialCaseFile, outsiderRefusal, type CaseEvent, type CaseFile, type Category, type Decision } from './case-file';

/** Given these accepted events, when this one is published, then this decision. */
function given(...history: CaseEvent[]) {
  let state: CaseFile = initialCaseFile();
  for (const event of history) {
    const decision = decide(event, state);
    if (!decision.accepted) throw new Error(`the history itself is refused at ${event.kind}: ${decision.rejection.reason}`);
    state = evolve(state, event);
  }
  return {
    state,
    when: (event: CaseEvent): Decision => decide(event, state),
  };
}

const T = '2026-12-01T10:00:00Z';
let n = 0;
const ev = (type: string, publisher: string, category: Category, data: Record<string, unknown>, receivedAt = T): CaseEvent =>
  caseEventOf({ id: `evt-${++n}`, type: `passerelle.case.${type}.v1`, data }, { publisher, category, receivedAt });

const RAMQ = 'qc.ramq';
const MESS = 'qc.mess';
const SAAQ = 'qc.saaq';
const CITIZEN = 'cit-9d41e2';

const opened = (owner = RAMQ, publisher = owner) => ev('CaseOpened', publisher, 'case', { owner, citizen: CITIZEN, title: 'Renewal', openedAt: T });
const invited = (organization: string, by = RAMQ, role = 'contributor') => ev('ParticipantInvited', by, 'case', { organization, role, invitedBy: by, reason: 'needed' });
const granted = (organization: string, categories: Category[], by = RAMQ, extra: Record<string, unknown> = {}) =>
  ev('AccessGranted', by, 'case', { organization, categories, purpose: 'eligibility', grantedBy: by, ...extra });
const revoked = (organization: string, categories: Category[], by = RAMQ) => ev('AccessRevoked', by, 'case', { organization, categories, revokedBy: by, reason: 'done' });
const consented = (grantedTo: string, categories: Category[], by = RAMQ, consentId = 'consent-1', extra: Record<string, unknown> = {}) =>
  ev('ConsentRecorded', by, 'consent', { consentId, citizen: CITIZEN, grantedTo, categories, purpose: 'eligibility', recordedAt: T, channel: 'counter', ...extra });
const withdrawn = (consentId = 'consent-1', by = RAMQ, citizen = CITIZEN) => ev('ConsentWithdrawn', by, 'consent', { consentId, citizen, withdrawnAt: T, channel: 'web' });
const decision = (by: string) => ev('DecisionRendered', by, 'decisions', { decisionId: 'dec-1', outcome: 'approved', decidedBy: by, decidedAt: T, reasons: ['ok'] });
const service = (by: string) => ev('ServiceRequested', by, 'service', { serviceCode: 'x', provider: by });
const closed = (by = RAMQ) => ev('CaseClosed', by, 'case', { closedBy: by, closedAt: T, resolution: 'resolved' });
const annotated = (by = RAMQ) => ev('AnnotationAdded', by, 'case', { annotationId: 'a-1', author: by, text: 'checked', addedAt: T, kind: 'audit' });
const transferred = (to: string, from = RAMQ) => ev('CaseTransferred', from, 'case', { from, to, reason: 'handover', transferredAt: T });

const rejected = (code: string, pointer?: string) => ({ accepted: false, rejection: expect.objectContaining({ code, ...(pointer ? { pointer } : {}) }) });

describe('CaseFile decider', () => {
  describe('an outsider learns nothing of a case from publishing (outsiderRefusal, checked before the decider)', () => {
    const noCase = { code: 'CASE.NOT_FOUND', reason: `no case case-1 for ${SAAQ}`, pointer: '/caseid' };

    it('given an opened case, a closed one, or nothing, when an organization taking no part publishes, then the same CASE.NOT_FOUND', () => {
      expect(outsiderRefusal(service(SAAQ), 'case-1', given(opened()).state)).toEqual(noCase);
      expect(outsiderRefusal(service(SAAQ), 'case-1', given(opened(), closed()).state)).toEqual(noCase);
      expect(outsiderRefusal(service(SAAQ), 'case-1', given().state)).toEqual(noCase);
    });

    it('given an opened case, when an outsider opens it again, then CASE.ALREADY_OPENED naming no one', () => {
      expect(outsiderRefusal(opened(SAAQ), 'case-1', given(opened()).state)).toEqual({ code: 'CASE.ALREADY_OPENED', reason: 'the case id case-1 is taken: open the case under another id', pointer: '/caseid' });
    });

    it('given nothing, when a case is opened, or given a case, when any participant (an observer too) publishes, then no outsider refusal: the decider answers precisely', () => {
      expect(outsiderRefusal(opened(SAAQ), 'case-1', given().state)).toBeUndefined();
      expect(outsiderRefusal(service(MESS), 'case-1', given(opened(), invited(MESS, RAMQ, 'observer')).state)).toBeUndefined();
      expect(outsiderRefusal(service(RAMQ), 'case-1', given(opened(), closed()).state)).toBeUndefined();
    });
  });

  describe('a case is opened before anything else happens to it', () => {
    it('given nothing, when an organization opens the case, then it is accepted and the owner alone sees it', () => {
      expect(given().when(opened())).toEqual({ accepted: true, audience: [RAMQ] });
    });

    it('given nothing, when any other event arrives, then CASE.NOT_FOUND', () => {
      expect(given().when(service(RAMQ))).toEqual(rejected('CASE.NOT_FOUND', '/caseid'));
    });

    it('given an opened case, when it is opened again, then CASE.ALREADY_OPENED', () => {
      expect(given(opened()).when(opened(MESS))).toEqual(rejected('CASE.ALREADY_OPENED'));
    });

    it('given nothing, when an organization opens a case naming another owner, then CASE.ACTS_FOR_ANOTHER', () => {
      expect(given().when(opened(MESS, RAMQ))).toEqual(rejected('CASE.ACTS_FOR_ANOTHER', '/data/owner'));
    });
  });

  describe('only participating organizations publish', () => {
    it('given a case, when an organization that was never invited publishes, then CASE.NOT_A_PARTICIPANT', () => {
      expect(given(opened()).when(service(SAAQ))).toEqual(rejected('CASE.NOT_A_PARTICIPANT', '/source'));
    });

    it('given an invited contributor, when it publishes, then it is accepted', () => {
      expect(given(opened(), invited(MESS)).when(service(MESS))).toEqual({ accepted: true, audience: [MESS, RAMQ] });
    });

    it('given an observer, when it publishes, then CASE.NOT_A_PARTICIPANT: observers only receive', () => {
      expect(given(opened(), invited(MESS, RAMQ, 'observer')).when(service(MESS))).toEqual(rejected('CASE.NOT_A_PARTICIPANT'));
    });
  });

  describe('no organization acts for another', () => {
    it.each([
      ['invitedBy', ev('ParticipantInvited', RAMQ, 'case', { organization: MESS, role: 'contributor', invitedBy: SAAQ, reason: 'x' })],
      ['grantedBy', ev('AccessGranted', RAMQ, 'case', { organization: MESS, categories: ['case'], purpose: 'x', grantedBy: SAAQ })],
      ['closedBy', ev('CaseClosed', RAMQ, 'case', { closedBy: SAAQ, closedAt: T, resolution: 'resolved' })],
      ['author', ev('AnnotationAdded', RAMQ, 'case', { annotationId: 'a', author: SAAQ, text: 'x', addedAt: T, kind: 'note' })],
    ])('given a case, when %s names another organization than the publisher, then CASE.ACTS_FOR_ANOTHER', (field, event) => {
      expect(given(opened(), invited(MESS)).when(event)).toEqual(rejected('CASE.ACTS_FOR_ANOTHER', `/data/${field}`));
    });
  });

  describe('only the owner, or an organization it delegated to, grants or revokes access', () => {
    it('given an invited participant, when the owner grants it categories, then the grantee is told', () => {
      expect(given(opened(), invited(MESS)).when(granted(MESS, ['case', 'service']))).toEqual({ accepted: true, audience: [MESS, RAMQ] });
    });

    it('given an invited participant, when a grant names a purpose outside the federation’s catalogue, then ACCESS.UNKNOWN_PURPOSE at that purpose', () => {
      const grant = caseEventOf(
        { id: 'evt-purpose', type: 'passerelle.case.AccessGranted.v2', data: { organization: MESS, categories: ['case'], purposes: ['eligibility-check', 'marketing'], purpose: 'x', grantedBy: RAMQ } },
        { publisher: RAMQ, category: 'case', receivedAt: T },
      );
      expect(given(opened(), invited(MESS)).when(grant)).toEqual(rejected('ACCESS.UNKNOWN_PURPOSE', '/data/purposes/1'));
    });

    it('given grants, then each serves the purposes it names, and a grant naming none (v1) serves service-delivery', () => {
      const v2 = caseEventOf(
        { id: 'evt-v2', type: 'passerelle.case.AccessGranted.v2', data: { organization: MESS, categories: ['case'], purposes: ['eligibility-check', 'audit'], purpose: 'x', grantedBy: RAMQ } },
        { publisher: RAMQ, category: 'case', receivedAt: T },
      );
      const state = given(opened(), invited(MESS), invited(SAAQ), v2, granted(SAAQ, ['service'])).state;
      if (state.status === 'unopened') throw new Error('opened');
      expect(state.grants.get(MESS)?.get('case')?.purposes).toEqual(['eligibility-check', 'audit']);
      expect(state.grants.get(SAAQ)?.get('service')?.purposes).toEqual(['service-delivery']);
    });

    it('given a participant without a delegable grant, when it grants access, then CASE.NOT_AUTHORIZED', () => {
      const history = [opened(), invited(MESS), invited(SAAQ), granted(MESS, ['service'])];
      expect(given(...history).when(granted(SAAQ, ['service'], MESS))).toEqual(rejected('CASE.NOT_AUTHORIZED', '/data/categories'));
    });

    it('given a delegable grant, when the delegate grants what it holds, then accepted; beyond it, then CASE.NOT_AUTHORIZED', () => {
      const history = [opened(), invited(MESS), invited(SAAQ), granted(MESS, ['service'], RAMQ, { mayDelegate: true })];
      expect(given(...history).when(granted(SAAQ, ['service'], MESS))).toMatchObject({ accepted: true });
      expect(given(...history).when(granted(SAAQ, ['service', 'appointments'], MESS))).toEqual(rejected('CASE.NOT_AUTHORIZED'));
    });

    it('given an organization that is not invited, when it is granted access, then CASE.INVALID: invitation comes first', () => {
      expect(given(opened()).when(granted(MESS, ['case']))).toEqual(rejected('CASE.INVALID', '/data/organization'));
    });

    it('given a grant, when the owner revokes it, then accepted and the organization is told; a category never granted, then CASE.INVALID', () => {
      const history = [opened(), invited(MESS), granted(MESS, ['service'])];
      expect(given(...history).when(revoked(MESS, ['service']))).toEqual({ accepted: true, audience: [MESS, RAMQ] });
      expect(given(...history).when(revoked(MESS, ['payments']))).toEqual(rejected('CASE.INVALID'));
    });

    it('given a grant made by the owner, when a delegate revokes it, then CASE.NOT_AUTHORIZED', () => {
      const history = [opened(), invited(MESS), invited(SAAQ), granted(MESS, ['service'], RAMQ, { mayDelegate: true }), granted(SAAQ, ['appointments'])];
      expect(given(...history).when(revoked(SAAQ, ['appointments'], MESS))).toEqual(rejected('CASE.NOT_AUTHORIZED'));
    });

    it('given a grant, when an invitation comes from a participant that is not the owner and holds nothing delegable, then CASE.NOT_AUTHORIZED', () => {
      expect(given(opened(), invited(MESS)).when(invited(SAAQ, MESS))).toEqual(rejected('CASE.NOT_AUTHORIZED'));
    });
  });

  describe('a consent-gated category needs a recorded, unwithdrawn consent', () => {
    it('given no consent, when decisions are granted, then CASE.CONSENT_MISSING', () => {
      expect(given(opened(), invited(MESS)).when(granted(MESS, ['decisions']))).toEqual(rejected('CASE.CONSENT_MISSING', '/data/categories'));
    });

    it('given a consent in force, when decisions are granted, then accepted, and decisions reach the grantee', () => {
      const { state, when } = given(opened(), invited(MESS), consented(MESS, ['decisions']));
      expect(when(granted(MESS, ['decisions']))).toMatchObject({ accepted: true });
      const after = given(opened(), invited(MESS), consented(MESS, ['decisions']), granted(MESS, ['decisions']));
      expect(after.when(decision(RAMQ))).toEqual({ accepted: true, audience: [MESS, RAMQ] });
      expect(state.status).toBe('open');
    });

    it('given a consent of another citizen, when recorded, then CASE.INVALID', () => {
      const other = ev('ConsentRecorded', RAMQ, 'consent', { consentId: 'c', citizen: 'cit-other', grantedTo: MESS, categories: ['decisions'], purpose: 'x', recordedAt: T, channel: 'web' });
      expect(given(opened(), invited(MESS)).when(other)).toEqual(rejected('CASE.INVALID', '/data/citizen'));
    });

    it('given a withdrawn consent, when a decision is rendered, then the grantee no longer receives it (but still learns of the withdrawal)', () => {
      const history = [opened(), invited(MESS), consented(MESS, ['decisions']), granted(MESS, ['decisions'])];
      expect(given(...history).when(withdrawn())).toEqual({ accepted: true, audience: [MESS, RAMQ] });
      expect(given(...history, withdrawn()).when(decision(RAMQ))).toEqual({ accepted: true, audience: [RAMQ] });
    });

    it('given an expired consent, when decisions are granted, then CASE.CONSENT_MISSING', () => {
      const expired = consented(MESS, ['decisions'], RAMQ, 'consent-1', { expiresAt: '2026-11-30T00:00:00Z' });
      expect(given(opened(), invited(MESS), expired).when(granted(MESS, ['decisions']))).toEqual(rejected('CASE.CONSENT_MISSING'));
    });

    it('given no such consent, when it is withdrawn, then CASE.INVALID; withdrawn twice, then CASE.INVALID', () => {
      expect(given(opened()).when(withdrawn('nope'))).toEqual(rejected('CASE.INVALID', '/data/consentId'));
      expect(given(opened(), invited(MESS), consented(MESS, ['decisions']), withdrawn()).when(withdrawn())).toEqual(rejected('CASE.INVALID'));
    });
  });

  describe('need to know: who receives an event', () => {
    const shared = [opened(), invited(MESS), invited(SAAQ), granted(MESS, ['service'])];

    it('given B granted service and C granted nothing, when the owner publishes a service event, then A and B only', () => {
      expect(given(...shared).when(service(RAMQ))).toEqual({ accepted: true, audience: [MESS, RAMQ] });
    });

    it('given the same, when the owner publishes a decision, then the owner only', () => {
      expect(given(...shared).when(decision(RAMQ))).toEqual({ accepted: true, audience: [RAMQ] });
    });

    it('given a revoked grant, when the owner publishes in that category, then not the former grantee', () => {
      expect(given(...shared, revoked(MESS, ['service'])).when(service(RAMQ))).toEqual({ accepted: true, audience: [RAMQ] });
    });

    it('given a grant that lapsed (validUntil past), when an event comes, then not the grantee', () => {
      const lapsing = [opened(), invited(MESS), granted(MESS, ['service'], RAMQ, { validUntil: '2026-12-02T00:00:00Z' })];
      expect(given(...lapsing).when(ev('ServiceRequested', RAMQ, 'service', {}, '2026-12-03T00:00:00Z'))).toEqual({ accepted: true, audience: [RAMQ] });
      const { state } = given(...lapsing);
      if (state.status === 'unopened') throw new Error('the case should be open');
      expect(entitled(state, MESS, 'service', '2026-12-01T12:00:00Z')).toBe(true);
      expect(entitled(state, MESS, 'service', '2026-12-02T00:00:00Z')).toBe(false);
    });

    it('given a past validUntil, when granted, then CASE.INVALID', () => {
      expect(given(opened(), invited(MESS)).when(granted(MESS, ['service'], RAMQ, { validUntil: '2026-01-01T00:00:00Z' }))).toEqual(rejected('CASE.INVALID', '/data/validUntil'));
    });
  });

  describe('transfer and closing', () => {
    it('given a participant, when the owner transfers the case to it, then it becomes the owner and the former owner a contributor', () => {
      const { state } = given(opened(), invited(MESS), transferred(MESS));
      expect(state).toMatchObject({ owner: MESS });
      expect(given(opened(), invited(MESS), transferred(MESS)).when(closed(RAMQ))).toEqual(rejected('CASE.NOT_AUTHORIZED'));
      expect(given(opened(), invited(MESS), transferred(MESS)).when(closed(MESS))).toMatchObject({ accepted: true });
    });

    it('given a non-participant, when the case is transferred to it, then CASE.INVALID', () => {
      expect(given(opened()).when(transferred(SAAQ))).toEqual(rejected('CASE.INVALID', '/data/to'));
    });

    it('given a participant, when it closes the case it does not own, then CASE.NOT_AUTHORIZED', () => {
      expect(given(opened(), invited(MESS)).when(closed(MESS))).toEqual(rejected('CASE.NOT_AUTHORIZED'));
    });

    it('given a closed case, when anything but an annotation comes, then CASE.CLOSED; an annotation is accepted', () => {
      const history = [opened(), invited(MESS), closed()];
      expect(given(...history).when(service(MESS))).toEqual(rejected('CASE.CLOSED', '/type'));
      expect(given(...history).when(annotated(MESS))).toMatchObject({ accepted: true });
    });
  });
});
