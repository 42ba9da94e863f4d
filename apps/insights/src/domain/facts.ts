import type { Channel } from '@passerelle/contracts';

/**
 * What the insights projection keeps of the log: per case, a small running state (never a
 * citizen identifier), and "facts" — contacts, requests, satisfaction answers, hand-offs —
 * each in the day it belongs to. Measures are folded from facts when read (measures.ts), so
 * distinct cases can be counted over any cell and the tariff applied as it stands. Pure:
 * no I/O, no framework.
 */

/** The channels a citizen serves themselves through; the others are assisted. */
export const DIGITAL_CHANNELS: readonly Channel[] = ['web', 'mobile', 'email', 'sms', 'chat'];
export const ASSISTED_CHANNELS: readonly Channel[] = ['counter', 'phone', 'mail'];
export const ALL_CHANNELS: readonly Channel[] = ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'];

/** A contact or satisfaction answer before any service was requested on its case. */
export const NO_SERVICE = 'none';
/** A request (or a case) whose ServiceRequested carried no segment (v1, or v2 without one). */
export const NO_SEGMENT = 'unspecified';

/** A committed case event as the projection reads it: at its newest version (upcast). */
export interface InsightEvent {
  caseId: string;
  /** The event's revision in its case: 0, 1, 2, … */
  sequence: number;
  /** The publishing organization (from the hub's metadata, proven on ingest). */
  publisher: string;
  /** The event type's name, e.g. ServiceRequested. */
  name: string;
  channel: Channel;
  /** The envelope's `time`: when the publisher says it happened. */
  time: string;
  data: Record<string, unknown>;
}

/**
 * A case's contacts of one day, counted by `organization|channel|service|segment`: one fact
 * per case and day rather than per event, so a batch writes few rows.
 */
export interface ContactFact {
  kind: 'contact';
  id: string;
  caseId: string;
  day: string;
  counts: Record<string, number>;
}

export interface RequestFact {
  kind: 'request';
  id: string;
  caseId: string;
  day: string;
  /** The provider: the organization expected to deliver the service. */
  organization: string;
  channel: Channel;
  service: string;
  segment: string;
  requestedAt: number;
  decidedAt: number | null;
  /**
   * The contacts the request took, from the request itself through its decision, by
   * `organization|channel|day` (how the tariff prices them). Set once decided.
   */
  contacts: Record<string, number> | null;
  /** Distinct channels the case went through from its first event through the decision. */
  channels: number | null;
  /** Events on the case strictly between the request and its decision. */
  repeatContacts: number | null;
}

export interface SatisfactionFact {
  kind: 'satisfaction';
  id: string;
  caseId: string;
  day: string;
  organization: string;
  /** The channel rated (the answer's `channel`). */
  channel: Channel;
  service: string;
  segment: string;
  score: number;
}

export interface HandoffFact {
  kind: 'handoff';
  id: string;
  caseId: string;
  day: string;
  from: string;
  to: string;
  handoff: 'transfer' | 'invitation';
  at: number;
  /** When `to` first published on the case after the hand-off. */
  pickedUpAt: number | null;
}

export type Fact = ContactFact | RequestFact | SatisfactionFact | HandoffFact;

/**
 * A request not yet decided. It is kept apart from its case's track, written once when made
 * and read back only when a decision comes, so a case with many undecided requests costs each
 * event no more than a case with none: what the decision needs is the case's contacts as they
 * stood just before the request, and the request's place in the case.
 */
export interface OpenRequest {
  fact: RequestFact;
  /** The case's contacts by `organization|channel|day` just before the request ({@link pricedContacts}). */
  contactsBefore: Record<string, number>;
  /** The request's sequence in its case. */
  sequence: number;
}

/** The running state of one case: what later events need to be measured. */
export interface CaseTrack {
  caseId: string;
  /** The last sequence folded in; -1 before any. */
  revision: number;
  channels: Channel[];
  service: string;
  segment: string;
  /** day → `organization|channel|service|segment` → contacts */
  contacts: Record<string, Record<string, number>>;
  /** How many requests of the case are undecided (each an {@link OpenRequest}, kept apart). */
  undecided: number;
  pending: HandoffFact[];
}

export const newTrack = (caseId: string): CaseTrack => ({
  caseId,
  revision: -1,
  channels: [],
  service: NO_SERVICE,
  segment: NO_SEGMENT,
  contacts: {},
  undecided: 0,
  pending: [],
});

/** What folding one event changed. */
export interface Folded {
  state: CaseTrack;
  /** Facts created or changed, each to be stored under its id, replacing an older version. */
  facts: Fact[];
  /** The request this event made, now undecided. */
  opened: OpenRequest | null;
  /** Whether this event decided every request undecided before it. */
  decided: boolean;
}

/**
 * Whether folding the event needs its case's undecided requests (a decision that has some to
 * decide): only then must they be read.
 */
export const needsUndecided = (state: CaseTrack, event: InsightEvent): boolean => event.name === 'DecisionRendered' && state.undecided > 0;

/** The UTC day of an instant. */
export const dayOf = (time: string): string => new Date(time).toISOString().slice(0, 10);

/** A segment as the cells carry it: `audience/ageBand/region`, `*` for a part not given. */
export function segmentKey(segment: unknown): string {
  if (typeof segment !== 'object' || segment === null) return NO_SEGMENT;
  const { audience, ageBand, region } = segment as Record<string, unknown>;
  if (typeof audience !== 'string') return NO_SEGMENT;
  return `${audience}/${typeof ageBand === 'string' ? ageBand : '*'}/${typeof region === 'string' ? region : '*'}`;
}

/**
 * Whether the event is the next one of the case: an event at or below the revision already
 * folded is a redelivery and changes nothing.
 */
export const isNew = (track: CaseTrack, event: InsightEvent): boolean => event.sequence > track.revision;

/**
 * Folds one event into its case's track. `undecided` is the case's undecided requests, read
 * only when {@link needsUndecided} says so (ignored otherwise); the caller keeps them, adding
 * `opened` and dropping them all when `decided`.
 */
export function track(state: CaseTrack, event: InsightEvent, undecided: readonly OpenRequest[]): Folded {
  const facts: Fact[] = [];
  const at = Date.parse(event.time);
  const day = dayOf(event.time);
  const next: CaseTrack = {
    ...state,
    revision: event.sequence,
    channels: state.channels.includes(event.channel) ? state.channels : [...state.channels, event.channel],
  };

  // A hand-off is picked up by the first event its receiver publishes afterwards.
  if (next.pending.some((h) => h.to === event.publisher)) {
    const still: HandoffFact[] = [];
    for (const h of next.pending) {
      if (h.to === event.publisher) facts.push({ ...h, pickedUpAt: at });
      else still.push(h);
    }
    next.pending = still;
  }

  if (event.name === 'ServiceRequested') {
    next.service = String(event.data.service);
    next.segment = segmentKey(event.data.segment);
  }

  const contactKey = `${event.publisher}|${event.channel}|${next.service}|${next.segment}`;
  const ofDay = next.contacts[day] ?? {};
  const counts = { ...ofDay, [contactKey]: (ofDay[contactKey] ?? 0) + 1 };
  next.contacts = { ...next.contacts, [day]: counts };
  facts.push({ kind: 'contact', id: `c:${day}`, caseId: state.caseId, day, counts });

  let opened: OpenRequest | null = null;
  let decided = false;
  switch (event.name) {
    case 'ServiceRequested': {
      const fact: RequestFact = {
        kind: 'request',
        id: `r:${event.sequence}`,
        caseId: state.caseId,
        day,
        organization: String(event.data.provider),
        channel: event.channel,
        service: next.service,
        segment: next.segment,
        requestedAt: at,
        decidedAt: null,
        contacts: null,
        channels: null,
        repeatContacts: null,
      };
      facts.push(fact);
      opened = { fact, contactsBefore: pricedContacts(state.contacts), sequence: event.sequence };
      next.undecided = state.undecided + 1;
      break;
    }
    case 'DecisionRendered': {
      if (undecided.length !== state.undecided) {
        throw new Error(`insights: case ${state.caseId} has ${state.undecided} undecided request(s), ${undecided.length} given to decide at sequence ${event.sequence}`);
      }
      // A decision decides every request of the case made before it and not yet decided: its
      // contacts are those from the request itself through this decision (sequences are
      // contiguous in a case, so the events between are the difference of the two).
      const now = pricedContacts(next.contacts);
      for (const r of undecided) {
        facts.push({ ...r.fact, decidedAt: at, contacts: since(now, r.contactsBefore), channels: next.channels.length, repeatContacts: event.sequence - r.sequence - 1 });
      }
      next.undecided = 0;
      decided = true;
      break;
    }
    case 'SatisfactionRecorded':
      facts.push({
        kind: 'satisfaction',
        id: `s:${event.sequence}`,
        caseId: state.caseId,
        day,
        organization: event.publisher,
        channel: event.data.channel as Channel,
        service: next.service,
        segment: next.segment,
        score: Number(event.data.score),
      });
      break;
    case 'CaseTransferred':
    case 'ParticipantInvited': {
      const transfer = event.name === 'CaseTransferred';
      const h: HandoffFact = {
        kind: 'handoff',
        id: `h:${event.sequence}`,
        caseId: state.caseId,
        day,
        from: event.publisher,
        to: String(transfer ? event.data.to : event.data.organization),
        handoff: transfer ? 'transfer' : 'invitation',
        at,
        pickedUpAt: null,
      };
      facts.push(h);
      next.pending = [...next.pending, h];
      break;
    }
    default:
      break;
  }
  return { state: next, facts, opened, decided };
}

/**
 * Folds a whole log in memory (cases interleaved, each in its own order; a redelivered event
 * changes nothing), as the projection does batch by batch: the facts it ends with.
 */
export function foldLog(log: Iterable<InsightEvent>): Fact[] {
  const tracks = new Map<string, CaseTrack>();
  const undecided = new Map<string, OpenRequest[]>();
  const facts = new Map<string, Fact>();
  for (const event of log) {
    const state = tracks.get(event.caseId) ?? newTrack(event.caseId);
    if (!isNew(state, event)) continue;
    const result = track(state, event, undecided.get(event.caseId) ?? []);
    tracks.set(event.caseId, result.state);
    for (const f of result.facts) facts.set(`${f.caseId}\u0000${f.id}`, f);
    if (result.decided) undecided.delete(event.caseId);
    if (result.opened) undecided.set(event.caseId, [...(undecided.get(event.caseId) ?? []), result.opened]);
  }
  return [...facts.values()];
}

/** A case's contacts by `organization|channel|day`, as the tariff prices them, summed from its track's. */
export function pricedContacts(contacts: CaseTrack['contacts']): Record<string, number> {
  const priced: Record<string, number> = {};
  for (const [day, counts] of Object.entries(contacts)) {
    for (const [key, count] of Object.entries(counts)) {
      const [organization, channel] = key.split('|');
      const at = `${organization}|${channel}|${day}`;
      priced[at] = (priced[at] ?? 0) + count;
    }
  }
  return priced;
}

/** The counts added to `before` to make `now`: the keys that grew, by how much. */
function since(now: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [key, count] of Object.entries(now)) {
    const added = count - (before[key] ?? 0);
    if (added > 0) grown[key] = added;
  }
  return grown;
}

/** A track as stored before its undecided requests were kept apart: each carried in it, its counts kept up to date. */
export interface TrackBeforeUndecidedApart extends Omit<CaseTrack, 'undecided'> {
  open: Array<{ fact: RequestFact; contacts: Record<string, number>; between: number }>;
}

/**
 * Reads a stored track of either shape. An older track's undecided requests come out as
 * {@link OpenRequest}s whose decision will count what they had counted so far plus what
 * follows: the case's contacts then, less those the request had counted, stood before it.
 */
export function storedTrack(stored: CaseTrack | TrackBeforeUndecidedApart): { track: CaseTrack; undecided: OpenRequest[] | null } {
  if (!('open' in stored)) return { track: stored, undecided: null };
  const { open, ...rest } = stored;
  const then = pricedContacts(rest.contacts);
  const undecided = open.map((r) => ({
    fact: r.fact,
    contactsBefore: Object.fromEntries(Object.entries(then).map(([key, count]) => [key, count - (r.contacts[key] ?? 0)])),
    sequence: rest.revision - r.between,
  }));
  return { track: { ...rest, undecided: undecided.length }, undecided };
}
