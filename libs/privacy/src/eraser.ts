import type { EventStore } from '@passerelle/event-store';
import { DuplicateEventId, WrongExpectedRevision } from '@passerelle/event-store';
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
    try {
      await this.store.appendToStream(erasureStreamId(request.citizen), [{ id: request.eventId, type: CITIZEN_DATA_ERASED, data: data as unknown as Record<string, unknown>, metadata: {} }], 'no_stream');
    } catch (err) {
      // Appended before a crash: the very event is there already.
      if (!(err instanceof WrongExpectedRevision || err instanceof DuplicateEventId)) throw err;
    }
    await this.keys.completeErasure(request.citizen);
    return { ...data, eventId: request.eventId };
  }
}
