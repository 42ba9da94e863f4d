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

interface OpenRequest {
  fact: RequestFact;
  contacts: Record<string, number>;
  between: number;
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
  open: OpenRequest[];
  pending: HandoffFact[];
}

export const newTrack = (caseId: string): CaseTrack => ({ caseId, revision: -1, channels: [], service: NO_SERVICE, segment: NO_SEGMENT, contacts: {}, open: [], pending: [] });

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
 * Folds one event into its case's track; returns the new track and the facts it creates or
 * changes (each to be stored under its id, replacing an older version).
 */
export function track(state: CaseTrack, event: InsightEvent): { state: CaseTrack; facts: Fact[] } {
  const facts: Fact[] = [];
  const at = Date.parse(event.time);
  const day = dayOf(event.time);
  const next: CaseTrack = {
    ...state,
    revision: event.sequence,
    channels: state.channels.includes(event.channel) ? state.channels : [...state.channels, event.channel],
    contacts: state.contacts,
    open: state.open,
    pending: state.pending,
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

  // Every undecided request counts this event among its contacts (for its cost).
  const priced = `${event.publisher}|${event.channel}|${day}`;
  next.open = next.open.map((r) => ({ ...r, contacts: { ...r.contacts, [priced]: (r.contacts[priced] ?? 0) + 1 } }));

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
      next.open = [...next.open, { fact, contacts: { [priced]: 1 }, between: -1 }];
      break;
    }
    case 'DecisionRendered': {
      // A decision decides every request of the case made before it and not yet decided.
      for (const r of next.open) {
        facts.push({ ...r.fact, decidedAt: at, contacts: r.contacts, channels: next.channels.length, repeatContacts: r.between });
      }
      next.open = [];
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
  // Contacts between a request and its decision: this event, if the request is still open after it.
  next.open = next.open.map((r) => ({ ...r, between: r.between + 1 }));
  return { state: next, facts };
}
