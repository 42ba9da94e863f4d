import { caseEventMetadata, caseStreamId, type CaseEventEnvelope } from '@passerelle/contracts';
import type { EventStore } from '@passerelle/event-store';
import { DuplicateEventId, StreamNotFound, WrongExpectedRevision } from '@passerelle/event-store';
import type { CitizenKeys, ErasureRequest } from './citizen-keys';
import { PrivacyError } from './privacy.errors';

export const CITIZEN_DATA_ERASED = 'passerelle.privacy.CitizenDataErased.v1';
export const ERASURE_STREAM_PREFIX = 'erasure-';
export const erasureStreamId = (citizen: string): string => `${ERASURE_STREAM_PREFIX}${citizen}`;

/** The CitizenDataErased event's data (schemas/privacy/citizen-data-erased/v1.schema.json). */
export interface CitizenDataErased {
  citizen: string;
  requestedBy: string;
  /** The caller who recorded it: organization and token subject. */
  recordedBy: { organization: string; subject: string };
  legalBasis: string;
  requestedAt: string;
  erasedAt: string;
}

/**
 * Who is told of an erasure, decided when it is recorded (in the CitizenDataErased event's
 * metadata, under the hash chain): for each case about the citizen, every organization in the
 * audience of any of its events — each holds some of the case, perhaps the citizen's personal
 * fields. The relay tells each of them, case by case.
 */
export interface ErasureNotice {
  caseId: string;
  audience: string[];
  /**
   * The case's CaseOpened as it names the citizen: its publisher and the publisher's reference.
   * The relay tells each organization of the citizen as it was shown them in that case.
   */
  opened?: { publisher: string; citizen: string };
}

/** The notices a stored CitizenDataErased event carries (none for one recorded before they were). */
export function erasureNoticesOf(event: { metadata: Record<string, unknown> }): ErasureNotice[] {
  const notify = event.metadata.notify;
  return Array.isArray(notify) ? (notify as ErasureNotice[]) : [];
}

/**
 * Erases a citizen's personal data by destroying their data key, so that it completes or
 * never started, whatever crashes: (1) the request is recorded on the key (from then on
 * every reader sees the fields erased), (2) the CitizenDataErased event is appended to the
 * citizen's erasure stream (its id fixed by step 1, so appending it again is a no-op),
 * (3) the wrapped key is destroyed. A crash after (1) leaves a pending request, which
 * `completePending` (run at start) carries through (2) and (3).
 */
export class Eraser {
  constructor(
    private readonly keys: CitizenKeys,
    private readonly store: EventStore,
    private readonly now: () => Date = () => new Date(),
    /** The cases about a hub-side citizen (the citizen directory's); without it, no organization is told. */
    private readonly casesOf?: (citizen: string) => Promise<string[]>,
  ) {}

  async erase(request: Omit<ErasureRequest, 'eventId' | 'requestedAt'> & { recordedBy: CitizenDataErased['recordedBy']; requestedAt?: string }): Promise<CitizenDataErased & { eventId: string }> {
    for (const [name, value] of [['citizen', request.citizen], ['requestedBy', request.requestedBy], ['legalBasis', request.legalBasis]] as const) {
      if (typeof value !== 'string' || value.trim() === '' || value.length > 200) throw new PrivacyError('PRIVACY.ERASURE_INVALID', `${name} must be a text of 1 to 200 characters`);
    }
    const requestedAt = request.requestedAt ?? this.now().toISOString();
    if (Number.isNaN(Date.parse(requestedAt))) throw new PrivacyError('PRIVACY.ERASURE_INVALID', 'requestedAt must be an ISO 8601 instant');
    const recorded: ErasureRequest & { recordedBy: CitizenDataErased['recordedBy'] } = {
      eventId: `hub/erasure-${request.citizen}`,
      citizen: request.citizen,
      requestedBy: request.requestedBy,
      legalBasis: request.legalBasis,
      requestedAt,
      erasedAt: this.now().toISOString(),
      recordedBy: request.recordedBy,
    };
    await this.keys.beginErasure(recorded);
    return this.complete(recorded);
  }

  /** Carries begun erasures through (after a crash): how many. */
  async completePending(): Promise<number> {
    const pending = await this.keys.pendingErasures();
    for (const request of pending) await this.complete(request as ErasureRequest & { recordedBy: CitizenDataErased['recordedBy'] });
    return pending.length;
  }

  private async complete(request: ErasureRequest & { recordedBy: CitizenDataErased['recordedBy'] }): Promise<CitizenDataErased & { eventId: string }> {
    const data: CitizenDataErased = {
      citizen: request.citizen,
      requestedBy: request.requestedBy,
      recordedBy: request.recordedBy,
      legalBasis: request.legalBasis,
      requestedAt: request.requestedAt,
      // The instant the request was recorded: step (1), when the key stopped opening anything.
      erasedAt: request.erasedAt ?? request.requestedAt,
    };
    const notify = await this.notices(request.citizen);
    try {
      await this.store.appendToStream(erasureStreamId(request.citizen), [{ id: request.eventId, type: CITIZEN_DATA_ERASED, data: data as unknown as Record<string, unknown>, metadata: { notify } }], 'no_stream');
    } catch (err) {
      // Appended before a crash: the very event is there already.
      if (!(err instanceof WrongExpectedRevision || err instanceof DuplicateEventId)) throw err;
    }
    await this.keys.completeErasure(request.citizen);
    return { ...data, eventId: request.eventId };
  }

  /** For each case about the citizen, the organizations that received any of it. */
  private async notices(citizen: string): Promise<ErasureNotice[]> {
    const notices: ErasureNotice[] = [];
    for (const caseId of (await this.casesOf?.(citizen)) ?? []) {
      const audience = new Set<string>();
      let opened: ErasureNotice['opened'];
      try {
        for (const event of await this.store.readStream(caseStreamId(caseId))) {
          const { audience: of, publisher } = caseEventMetadata(event);
          for (const organization of of ?? []) audience.add(organization);
          const envelope = event.data as unknown as CaseEventEnvelope;
          if (/\.CaseOpened\.v\d+$/.test(envelope.type) && typeof envelope.data.citizen === 'string') opened = { publisher, citizen: envelope.data.citizen };
        }
      } catch (err) {
        if (!(err instanceof StreamNotFound)) throw err;
      }
      if (audience.size > 0) notices.push({ caseId, audience: [...audience].sort(), ...(opened ? { opened } : {}) });
    }
    return notices;
  }
}
