import { DEFAULT_PURPOSE, isPurpose, PURPOSE_CODES, type CaseEventDataByType, type Purpose } from '@passerelle/contracts';

/** Version 1 of a case event's data, as generated from schemas/. */
type V1<Name extends string> = CaseEventDataByType[`passerelle.case.${Name}.v1` & keyof CaseEventDataByType];
/** AccessGranted as the rules read it: v2 (v1 is v2 without purposes). */
type AccessGrantedData = CaseEventDataByType['passerelle.case.AccessGranted.v2'];

/**
 * The shared case file as a pure decider: `decide(event, state)` says whether a published case
 * event may join the case and who is entitled to see it; `evolve(state, event)` folds it in.
 * No framework, no I/O: the ledger reads the stream, decides, and appends.
 */

/** Sharing categories (schemas/common): what an organization may be granted. */
export const CATEGORIES = ['case', 'consent', 'service', 'documents', 'contact', 'appointments', 'decisions', 'payments', 'satisfaction'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * Categories whose events hold personal or confidential data: an organization receives them
 * only with the citizen's recorded, unwithdrawn, unexpired consent, besides the owner's grant.
 */
export const CONSENT_GATED: ReadonlySet<Category> = new Set<Category>(['consent', 'contact', 'documents', 'decisions', 'payments']);

interface Published<Kind extends string, Data> {
  kind: Kind;
  /** The envelope's id. */
  id: string;
  /** The verified publishing organization. */
  publisher: string;
  category: Category;
  /** When the hub received it (ISO 8601): the instant rules about time are judged at. */
  receivedAt: string;
  data: Data;
}

/** A published case event, as the rules see it. Types without rules of their own are `Other`. */
export type CaseEvent =
  | Published<'CaseOpened', V1<'CaseOpened'>>
  | Published<'ParticipantInvited', V1<'ParticipantInvited'>>
  | Published<'AccessGranted', AccessGrantedData>
  | Published<'AccessRevoked', V1<'AccessRevoked'>>
  | Published<'ConsentRecorded', V1<'ConsentRecorded'>>
  | Published<'ConsentWithdrawn', V1<'ConsentWithdrawn'>>
  | Published<'CaseTransferred', V1<'CaseTransferred'>>
  | Published<'CaseClosed', V1<'CaseClosed'>>
  | Published<'AnnotationAdded', V1<'AnnotationAdded'>>
  | (Published<'Other', Record<string, unknown>> & { name: string });

export interface Participant {
  role: 'owner' | 'contributor' | 'observer';
}

export interface Grant {
  grantedBy: string;
  purpose: string;
  /** What the grantee may read the case for, from the federation's catalogue. */
  purposes: readonly Purpose[];
  mayDelegate: boolean;
  validUntil?: string;
}

export interface Consent {
  grantedTo: string;
  categories: readonly Category[];
  expiresAt?: string;
  withdrawnAt?: string;
}

export interface OpenCaseFile {
  status: 'open' | 'closed';
  owner: string;
  citizen: string;
  participants: ReadonlyMap<string, Participant>;
  /** organization → category → grant */
  grants: ReadonlyMap<string, ReadonlyMap<Category, Grant>>;
  /** consentId → consent */
  consents: ReadonlyMap<string, Consent>;
}

export type CaseFile = { status: 'unopened' } | OpenCaseFile;

export const initialCaseFile = (): CaseFile => ({ status: 'unopened' });

export type RejectionCode =
  | 'CASE.NOT_FOUND'
  | 'CASE.ALREADY_OPENED'
  | 'CASE.CLOSED'
  | 'CASE.NOT_A_PARTICIPANT'
  | 'CASE.NOT_AUTHORIZED'
  | 'CASE.ACTS_FOR_ANOTHER'
  | 'CASE.CONSENT_MISSING'
  | 'CASE.INVALID'
  | 'ACCESS.UNKNOWN_PURPOSE';

export interface Rejection {
  code: RejectionCode;
  reason: string;
  /** JSON pointer into the envelope, when one field is at fault. */
  pointer?: string;
}

/** The decision: accepted with the organizations entitled to the event, or rejected with why. */
export type Decision = { accepted: true; audience: string[] } | { accepted: false; rejection: Rejection };

const reject = (code: RejectionCode, reason: string, pointer?: string): Decision => ({ accepted: false, rejection: { code, reason, pointer } });

/**
 * The refusal a publisher that takes no part in the case gets, before anything else is
 * checked: the same whether the case exists or not (CASE.NOT_FOUND, one wording), so that
 * publishing cannot probe for cases, their state or their revision. Only a CaseOpened on a
 * case id already in use must say so — and then it names no one. Undefined for a
 * participant (of any role), who gets the precise reasons of `decide`.
 */
export function outsiderRefusal(event: CaseEvent, caseId: string, state: CaseFile): Rejection | undefined {
  if (state.status !== 'unopened' && state.participants.has(event.publisher)) return undefined;
  if (event.kind === 'CaseOpened') {
    return state.status === 'unopened' ? undefined : { code: 'CASE.ALREADY_OPENED', reason: `the case id ${caseId} is taken: open the case under another id`, pointer: '/caseid' };
  }
  return { code: 'CASE.NOT_FOUND', reason: `no case ${caseId} for ${event.publisher}`, pointer: '/caseid' };
}

/** Whether `event` may join the case in `state`, and if so who may see it. */
export function decide(event: CaseEvent, state: CaseFile): Decision {
  if (state.status === 'unopened') {
    if (event.kind !== 'CaseOpened') return reject('CASE.NOT_FOUND', `the case is not opened: a ${eventName(event)} cannot come before its CaseOpened`, '/caseid');
    if (event.data.owner !== event.publisher) {
      return reject('CASE.ACTS_FOR_ANOTHER', `${event.publisher} cannot open a case owned by ${event.data.owner}: the publisher becomes the owner`, '/data/owner');
    }
    return accepted(state, event);
  }
  if (event.kind === 'CaseOpened') return reject('CASE.ALREADY_OPENED', `the case is already opened, by ${state.owner}`, '/caseid');
  if (state.status === 'closed' && event.kind !== 'AnnotationAdded') {
    return reject('CASE.CLOSED', `the case is closed: it accepts nothing but AnnotationAdded, not ${eventName(event)}`, '/type');
  }
  const role = state.participants.get(event.publisher)?.role;
  if (role === undefined) return reject('CASE.NOT_A_PARTICIPANT', `${event.publisher} does not take part in this case`, '/source');
  if (role === 'observer') return reject('CASE.NOT_A_PARTICIPANT', `${event.publisher} is an observer of this case: it receives events but does not publish`, '/source');

  const refusal = rules(event, state);
  return refusal ?? accepted(state, event);
}

/** The rules particular to each kind of event; undefined when it may join the case. */
function rules(event: CaseEvent, state: OpenCaseFile): Decision | undefined {
  const { publisher } = event;
  switch (event.kind) {
    case 'CaseOpened':
      return undefined; // decided before
    case 'ParticipantInvited': {
      const { organization, invitedBy } = event.data;
      if (invitedBy !== publisher) return actsForAnother(publisher, 'invitedBy', invitedBy);
      if (!mayManageAccess(state, publisher, event.receivedAt)) {
        return reject('CASE.NOT_AUTHORIZED', `only the owner (${state.owner}) or an organization it delegated to may invite into the case`, '/data/invitedBy');
      }
      if (state.participants.has(organization)) return reject('CASE.INVALID', `${organization} already takes part in the case`, '/data/organization');
      return undefined;
    }
    case 'AccessGranted': {
      const { organization, categories, grantedBy, validUntil } = event.data;
      if (grantedBy !== publisher) return actsForAnother(publisher, 'grantedBy', grantedBy);
      if (!state.participants.has(organization)) {
        return reject('CASE.INVALID', `${organization} must be invited into the case (ParticipantInvited) before it is granted access`, '/data/organization');
      }
      if (organization === state.owner) return reject('CASE.INVALID', `${organization} owns the case and sees all of it already`, '/data/organization');
      const unknownPurpose = (event.data.purposes ?? []).findIndex((p) => !isPurpose(p));
      if (unknownPurpose >= 0) {
        return reject('ACCESS.UNKNOWN_PURPOSE', `purpose ${JSON.stringify(event.data.purposes![unknownPurpose])} is not in the federation's catalogue (${PURPOSE_CODES.join(', ')})`, `/data/purposes/${unknownPurpose}`);
      }
      if (validUntil !== undefined && !(Date.parse(validUntil) > Date.parse(event.receivedAt))) {
        return reject('CASE.INVALID', `validUntil ${validUntil} is already past`, '/data/validUntil');
      }
      if (publisher !== state.owner) {
        const held = state.grants.get(publisher);
        const beyond = categories.filter((c) => {
          const grant = held?.get(c);
          return !grant || !grant.mayDelegate || !grantActive(grant, event.receivedAt);
        });
        if (beyond.length > 0) {
          return reject('CASE.NOT_AUTHORIZED', `${publisher} may not grant ${beyond.join(', ')}: only the owner, or an organization holding a delegable grant of that category, may`, '/data/categories');
        }
      }
      const unconsented = categories.filter((c) => CONSENT_GATED.has(c) && !consentCovers(state, organization, c, event.receivedAt));
      if (unconsented.length > 0) {
        return reject('CASE.CONSENT_MISSING', `${unconsented.join(', ')} ${unconsented.length === 1 ? 'needs' : 'need'} the citizen's recorded consent for ${organization}; none is in force`, '/data/categories');
      }
      return undefined;
    }
    case 'AccessRevoked': {
      const { organization, categories, revokedBy } = event.data;
      if (revokedBy !== publisher) return actsForAnother(publisher, 'revokedBy', revokedBy);
      const held = state.grants.get(organization);
      const notGranted = categories.filter((c) => !held?.has(c));
      if (notGranted.length > 0) return reject('CASE.INVALID', `${organization} holds no grant of ${notGranted.join(', ')} to revoke`, '/data/categories');
      if (publisher !== state.owner) {
        const notTheirs = categories.filter((c) => held?.get(c)?.grantedBy !== publisher);
        if (notTheirs.length > 0) {
          return reject('CASE.NOT_AUTHORIZED', `${publisher} did not grant ${notTheirs.join(', ')} to ${organization}: only the owner or the granting organization revokes`, '/data/categories');
        }
      }
      return undefined;
    }
    case 'ConsentRecorded': {
      const { consentId, citizen } = event.data;
      if (citizen !== state.citizen) return reject('CASE.INVALID', 'the consent is given by another citizen than the case’s', '/data/citizen');
      if (state.consents.has(consentId)) return reject('CASE.INVALID', `consent ${consentId} is already recorded`, '/data/consentId');
      return undefined;
    }
    case 'ConsentWithdrawn': {
      const { consentId, citizen } = event.data;
      const consent = state.consents.get(consentId);
      if (!consent) return reject('CASE.INVALID', `no consent ${consentId} is recorded on this case`, '/data/consentId');
      if (citizen !== state.citizen) return reject('CASE.INVALID', 'only the citizen who consented may withdraw the consent', '/data/citizen');
      if (consent.withdrawnAt !== undefined) return reject('CASE.INVALID', `consent ${consentId} is already withdrawn`, '/data/consentId');
      return undefined;
    }
    case 'CaseTransferred': {
      const { from, to } = event.data;
      if (from !== publisher) return actsForAnother(publisher, 'from', from);
      if (publisher !== state.owner) return reject('CASE.NOT_AUTHORIZED', `only the owner (${state.owner}) transfers the case`, '/data/from');
      if (to === from) return reject('CASE.INVALID', 'a case is transferred to another organization', '/data/to');
      if (!state.participants.has(to)) return reject('CASE.INVALID', `${to} must take part in the case before it can own it`, '/data/to');
      return undefined;
    }
    case 'CaseClosed': {
      if (event.data.closedBy !== publisher) return actsForAnother(publisher, 'closedBy', event.data.closedBy);
      if (publisher !== state.owner) return reject('CASE.NOT_AUTHORIZED', `only the owner (${state.owner}) closes the case`, '/data/closedBy');
      return undefined;
    }
    case 'AnnotationAdded':
      if (event.data.author !== publisher) return actsForAnother(publisher, 'author', event.data.author);
      return undefined;
    case 'Other':
      return undefined;
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled case event ${JSON.stringify(unhandled)}`);
    }
  }
}

/** Folds an accepted event into the case file. */
export function evolve(state: CaseFile, event: CaseEvent): CaseFile {
  if (event.kind === 'CaseOpened') {
    return {
      status: 'open',
      owner: event.data.owner,
      citizen: event.data.citizen,
      participants: new Map<string, Participant>([[event.data.owner, { role: 'owner' }]]),
      grants: new Map(),
      consents: new Map(),
    };
  }
  if (state.status === 'unopened') return state; // decide refuses everything else here
  switch (event.kind) {
    case 'ParticipantInvited':
      return { ...state, participants: with_(state.participants, event.data.organization, { role: event.data.role }) };
    case 'AccessGranted': {
      const { organization, categories, grantedBy, purpose, mayDelegate, validUntil } = event.data;
      const purposes = grantedPurposes(event.data);
      const grants = new Map(state.grants.get(organization));
      for (const category of categories) grants.set(category, { grantedBy, purpose, purposes, mayDelegate: mayDelegate ?? false, ...(validUntil ? { validUntil } : {}) });
      return { ...state, grants: with_(state.grants, organization, grants) };
    }
    case 'AccessRevoked': {
      const { organization, categories } = event.data;
      const grants = new Map(state.grants.get(organization));
      for (const category of categories) grants.delete(category);
      return { ...state, grants: with_(state.grants, organization, grants) };
    }
    case 'ConsentRecorded': {
      const { consentId, grantedTo, categories, expiresAt } = event.data;
      return { ...state, consents: with_(state.consents, consentId, { grantedTo, categories, ...(expiresAt ? { expiresAt } : {}) }) };
    }
    case 'ConsentWithdrawn': {
      const consent = state.consents.get(event.data.consentId);
      if (!consent) return state;
      return { ...state, consents: with_(state.consents, event.data.consentId, { ...consent, withdrawnAt: event.data.withdrawnAt }) };
    }
    case 'CaseTransferred': {
      // The former owner stays a contributor; what it may still see is up to the new owner.
      const participants = with_<string, Participant>(with_<string, Participant>(state.participants, event.data.from, { role: 'contributor' }), event.data.to, { role: 'owner' });
      const grants = new Map(state.grants);
      grants.delete(event.data.to);
      return { ...state, owner: event.data.to, participants, grants };
    }
    case 'CaseClosed':
      return { ...state, status: 'closed' };
    case 'AnnotationAdded':
    case 'Other':
      return state;
    default: {
      const unhandled: never = event;
      throw new Error(`unhandled case event ${JSON.stringify(unhandled)}`);
    }
  }
}

/**
 * Who is entitled to an event once it joined the case (`state` already includes it): the
 * owner; the publisher; the organization an access, consent or transfer event is about; and
 * every organization with an active grant of its category — plus, for a consent-gated
 * category, a consent in force. Sorted, so it is stored and compared as it is.
 */
export function audienceOf(state: OpenCaseFile, event: CaseEvent, before?: CaseFile): string[] {
  const audience = new Set<string>([state.owner, event.publisher]);
  for (const organization of concernedBy(event, before ?? state)) audience.add(organization);
  for (const [organization, grants] of state.grants) {
    const grant = grants.get(event.category);
    if (grant && entitledBy(state, organization, event.category, grant, event.receivedAt)) audience.add(organization);
  }
  return [...audience].sort();
}

/** Whether `organization` may receive an event of `category` at `at`, in this state of the case. */
export function entitled(state: OpenCaseFile, organization: string, category: Category, at: string): boolean {
  if (organization === state.owner) return true;
  const grant = state.grants.get(organization)?.get(category);
  return grant !== undefined && entitledBy(state, organization, category, grant, at);
}

function entitledBy(state: OpenCaseFile, organization: string, category: Category, grant: Grant, at: string): boolean {
  return grantActive(grant, at) && (!CONSENT_GATED.has(category) || consentCovers(state, organization, category, at));
}

function concernedBy(event: CaseEvent, before: CaseFile): string[] {
  switch (event.kind) {
    case 'ParticipantInvited':
    case 'AccessGranted':
    case 'AccessRevoked':
      return [event.data.organization];
    case 'ConsentRecorded':
      return [event.data.grantedTo];
    case 'ConsentWithdrawn': {
      const consent = before.status === 'unopened' ? undefined : before.consents.get(event.data.consentId);
      return consent ? [consent.grantedTo] : [];
    }
    case 'CaseTransferred':
      return [event.data.from, event.data.to];
    default:
      return [];
  }
}

function accepted(before: CaseFile, event: CaseEvent): Decision {
  const after = evolve(before, event) as OpenCaseFile;
  return { accepted: true, audience: audienceOf(after, event, before) };
}

function mayManageAccess(state: OpenCaseFile, organization: string, at: string): boolean {
  if (organization === state.owner) return true;
  for (const grant of state.grants.get(organization)?.values() ?? []) if (grant.mayDelegate && grantActive(grant, at)) return true;
  return false;
}

/** The purposes a grant serves: those it names, or service-delivery when it names none (v1). */
export function grantedPurposes(data: { purposes?: readonly string[] }): Purpose[] {
  const named = (data.purposes ?? []).filter(isPurpose);
  return named.length > 0 ? named : [DEFAULT_PURPOSE];
}

function grantActive(grant: Grant, at: string): boolean {
  return grant.validUntil === undefined || Date.parse(grant.validUntil) > Date.parse(at);
}

function consentCovers(state: OpenCaseFile, organization: string, category: Category, at: string): boolean {
  const instant = Date.parse(at);
  for (const consent of state.consents.values()) {
    if (consent.grantedTo !== organization || !consent.categories.includes(category)) continue;
    if (consent.withdrawnAt !== undefined && Date.parse(consent.withdrawnAt) <= instant) continue;
    if (consent.expiresAt !== undefined && Date.parse(consent.expiresAt) <= instant) continue;
    return true;
  }
  return false;
}

function actsForAnother(publisher: string, field: string, named: string): Decision {
  return reject('CASE.ACTS_FOR_ANOTHER', `${publisher} cannot publish for ${named}: ${field} must be the publisher`, `/data/${field}`);
}

function eventName(event: CaseEvent): string {
  return event.kind === 'Other' ? event.name : event.kind;
}

function with_<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  const copy = new Map(map);
  copy.set(key, value);
  return copy;
}

const RULED_KINDS = new Set<string>(['CaseOpened', 'ParticipantInvited', 'AccessGranted', 'AccessRevoked', 'ConsentRecorded', 'ConsentWithdrawn', 'CaseTransferred', 'CaseClosed', 'AnnotationAdded']);

/**
 * A validated envelope as the rules see it. `type` is `passerelle.case.<Name>.v<N>`; every
 * ruled type but AccessGranted exists in v1 only, so its data is read as v1; AccessGranted v1
 * data is v2 data without `purposes`, so both read as v2.
 */
export function caseEventOf(envelope: { id: string; type: string; data: Record<string, unknown> }, facts: { publisher: string; category: Category; receivedAt: string }): CaseEvent {
  const name = /^passerelle\.case\.([A-Za-z]+)\.v\d+$/.exec(envelope.type)?.[1] ?? envelope.type;
  const common = { id: envelope.id, publisher: facts.publisher, category: facts.category, receivedAt: facts.receivedAt };
  if (RULED_KINDS.has(name)) return { ...common, kind: name, data: envelope.data } as CaseEvent;
  return { ...common, kind: 'Other', name, data: envelope.data };
}

export function isCategory(value: unknown): value is Category {
  return typeof value === 'string' && (CATEGORIES as readonly string[]).includes(value);
}
