/**
 * One organization's view of one case: what it was entitled to see, folded. Pure: the
 * projection feeds it committed envelopes (already upcast) in case order. Stored as a
 * summary (bounded: one `current` entry per event type) and a timeline of rows, so an event
 * costs the same whether it is a case's first or its ten-thousandth.
 */
export interface CaseView extends CaseSummaryState {
  /** Events seen, in case order. */
  timeline: TimelineEntry[];
}

/** Everything in a view but its timeline: what one event rewrites. */
export interface CaseSummaryState {
  caseId: string;
  /** Whose view this is. */
  organization: string;
  status: 'open' | 'closed';
  owner: string | null;
  title: string | null;
  /** Organizations this view has seen take part (owner included). */
  participants: string[];
  /** The latest data of each event type seen, by type name (e.g. AddressChanged). */
  current: Record<string, Record<string, unknown>>;
  /** For each `current` entry whose personal fields are sealed: how to open them (see `Sealed`). */
  sealed?: Record<string, Sealed>;
  /** The case revision, position and chain hash of the last event this view reflects. */
  revision: number;
  position: number;
  hash: string;
  /** When the last reflected event was published (its `time`). */
  updatedAt: string;
}

export interface TimelineEntry {
  revision: number;
  position: number;
  eventId: string;
  type: string;
  source: string;
  time: string;
  channel: string;
  /** The event's link in the case's hash chain (absent from entries written before it was kept). */
  hash?: string;
  data: Record<string, unknown>;
  /** Present when `data` holds sealed personal fields: opened when the view is read. */
  sealed?: Sealed;
}

/**
 * A view keeps personal fields as the store does, sealed: they are opened (or shown erased)
 * each time the view is read, so an erasure reaches every view at once and no view table ever
 * holds them in clear. What opening needs: the stored event's id, the citizen, the fields.
 */
export interface Sealed {
  eventId: string;
  citizen: string;
  fields: string[];
}

/** A committed envelope as the view needs it. */
export interface CommittedEvent {
  id: string;
  source: string;
  type: string;
  time: string;
  channel: string;
  caseid: string;
  data: Record<string, unknown>;
  /** Its revision in the case stream (the envelope's caserevision). */
  revision: number;
  /** Its position in the global log (the envelope's logposition). */
  position: number;
  hash: string;
  sealed?: Sealed;
}

/** Whether the view already reflects this event (a redelivery, or an older one): then nothing changes. */
export function alreadySeen(view: CaseSummaryState | undefined, event: CommittedEvent): boolean {
  return view !== undefined && event.revision <= view.revision;
}

/** The timeline entry an event adds. */
export function timelineEntry(event: CommittedEvent): TimelineEntry {
  return { revision: event.revision, position: event.position, eventId: event.id, type: event.type, source: event.source, time: event.time, channel: event.channel, hash: event.hash, data: event.data, ...(event.sealed ? { sealed: event.sealed } : {}) };
}

/** The view's summary once it reflects `event` (its timeline gains `timelineEntry(event)`). */
export function applyEvent(view: CaseSummaryState | undefined, organization: string, event: CommittedEvent): CaseSummaryState {
  const name = /^passerelle\.[a-z]+\.([A-Za-z]+)\.v\d+$/.exec(event.type)?.[1] ?? event.type;
  const base: CaseSummaryState = view ?? {
    caseId: event.caseid,
    organization,
    status: 'open',
    owner: null,
    title: null,
    participants: [],
    current: {},
    revision: -1,
    position: 0,
    hash: '',
    updatedAt: event.time,
  };
  const { [name]: _unsealed, ...sealed } = base.sealed ?? {};
  const next: CaseSummaryState = {
    ...base,
    current: { ...base.current, [name]: event.data },
    ...(event.sealed || Object.keys(sealed).length > 0 ? { sealed: { ...sealed, ...(event.sealed ? { [name]: event.sealed } : {}) } } : {}),
    revision: event.revision,
    position: event.position,
    hash: event.hash,
    updatedAt: event.time,
  };
  const participants = new Set(base.participants);
  switch (name) {
    case 'CaseOpened':
      next.owner = String(event.data.owner);
      next.title = String(event.data.title);
      participants.add(next.owner);
      break;
    case 'ParticipantInvited':
      participants.add(String(event.data.organization));
      break;
    case 'CaseTransferred':
      next.owner = String(event.data.to);
      participants.add(next.owner);
      break;
    case 'CaseClosed':
      next.status = 'closed';
      break;
    default:
      break;
  }
  next.participants = [...participants].sort();
  return next;
}
