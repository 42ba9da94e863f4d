import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, StreamNotFound, type EventStore } from '@passerelle/event-store';
import { randomUUID } from 'node:crypto';

export const ACCESS_STREAM_PREFIX = 'access-';
export const CASE_VIEWED = 'passerelle.access.CaseViewed';

/** One read of a case by an organization. */
export interface CaseRead {
  organization: string;
  /** The token's subject: the agent or system that read. */
  subject: string;
  /** Why, as the caller said it (Passerelle-Purpose header). */
  purpose: string;
  /** The case revision the answer reflected. */
  revision: number;
  at: string;
}

/**
 * Who read which case, when and for what: each read is an event appended to the case's
 * access stream (`access-<caseid>`), hash-chained like the case itself, so the log an auditor
 * reads cannot be edited without it showing.
 */
@Injectable()
export class AccessLog {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(caseId: string, read: CaseRead): Promise<void> {
    await this.store.appendToStream(`${ACCESS_STREAM_PREFIX}${caseId}`, [{ id: `read-${randomUUID()}`, type: CASE_VIEWED, data: { ...read } }], 'any');
  }

  async reads(caseId: string): Promise<CaseRead[]> {
    try {
      const events = await this.store.readStream(`${ACCESS_STREAM_PREFIX}${caseId}`);
      return events.map((e) => e.data as unknown as CaseRead);
    } catch (err) {
      if (err instanceof StreamNotFound) return [];
      throw err;
    }
  }
}
