import type { ActualRevision, ExpectedRevision } from './revisions';

export type EventStoreErrorCode =
  | 'STORE.WRONG_EXPECTED_REVISION'
  | 'STORE.STREAM_NOT_FOUND'
  | 'STORE.DUPLICATE_EVENT_ID'
  | 'STORE.UNAVAILABLE';

/** A store failure in our own terms: a stable `code`, and whether retrying may help. */
export class EventStoreError extends Error {
  constructor(
    readonly code: EventStoreErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EventStoreError';
  }
}

/** Someone else appended first: read the stream again, decide again, append again. */
export class WrongExpectedRevision extends EventStoreError {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: ActualRevision,
    options?: { cause?: unknown },
  ) {
    super(
      'STORE.WRONG_EXPECTED_REVISION',
      `stream ${streamId}: expected ${describe(expected)}, but it is at ${describe(actual)}`,
      true,
      options,
    );
    this.name = 'WrongExpectedRevision';
  }
}

export class StreamNotFound extends EventStoreError {
  constructor(
    readonly streamId: string,
    options?: { cause?: unknown },
  ) {
    super('STORE.STREAM_NOT_FOUND', `stream ${streamId} has no event`, false, options);
    this.name = 'StreamNotFound';
  }
}

/** The id is stored already, in another stream or with other content: never a silent success. */
export class DuplicateEventId extends EventStoreError {
  constructor(
    readonly eventId: string,
    /** Where the id is stored, when known. */
    readonly storedIn: string | undefined,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super('STORE.DUPLICATE_EVENT_ID', `event id ${eventId}: ${reason}`, false, options);
    this.name = 'DuplicateEventId';
  }
}

export class StoreUnavailable extends EventStoreError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STORE.UNAVAILABLE', message, true, options);
    this.name = 'StoreUnavailable';
  }
}

function describe(revision: ExpectedRevision | ActualRevision): string {
  return typeof revision === 'bigint' ? `revision ${revision}` : revision;
}
