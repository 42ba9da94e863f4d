import { Global, Inject, Injectable, Module } from '@nestjs/common';
import { ACCESS_DENIED, accessStreamId, type AccessDenial } from '@passerelle/contracts';
import { DuplicateEventId, EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { randomUUID } from 'node:crypto';
import { AccessReads } from './access-reads';

/** One denial to record: on which case, and an id when the same denial may be recorded twice (a redelivered batch). */
export interface DeniedAttempt {
  caseId: string;
  denial: AccessDenial;
  /** Stable for the attempt (e.g. the inbound message's partition and offset); random when omitted. */
  id?: string;
}

/**
 * Records refused reads and publishes in each case's access log (the `access-<caseid>` stream),
 * so the owner and auditors see who probed the case. Counts them too, by action and code,
 * for whoever exports metrics (`counts()`).
 */
@Injectable()
export class AccessDenials {
  private readonly counted = new Map<string, number>();

  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(attempts: readonly DeniedAttempt[]): Promise<void> {
    const usable = attempts.filter((a) => a.caseId.length > 0 && a.caseId.length <= 200);
    if (usable.length === 0) return;
    const byCase = new Map<string, DeniedAttempt[]>();
    for (const attempt of usable) byCase.set(attempt.caseId, [...(byCase.get(attempt.caseId) ?? []), attempt]);
    const appends = [...byCase].map(([caseId, list]) => ({
      streamId: accessStreamId(caseId),
      expectedRevision: 'any' as const,
      events: list.map((a) => ({ id: `denied-${a.id ?? randomUUID()}`, type: ACCESS_DENIED, data: { ...a.denial } })),
    }));
    const outcomes = await this.store.appendMany(appends);
    [...byCase.values()].forEach((list, i) => {
      const outcome = outcomes[i]!;
      // Recorded already, by the first delivery of the same batch: nothing to add, nothing to count.
      if (!outcome.ok && !(outcome.error instanceof DuplicateEventId)) throw outcome.error;
      if (!outcome.ok || outcome.result.duplicate) return;
      for (const { denial } of list) {
        const key = `${denial.action} ${denial.code}`;
        this.counted.set(key, (this.counted.get(key) ?? 0) + 1);
      }
    });
  }

  /** Denials recorded by this process since it started, by `<action> <code>` (e.g. `read CASE.NOT_FOUND`). */
  counts(): ReadonlyMap<string, number> {
    return this.counted;
  }
}

/** Provides AccessDenials and AccessReads to every module of a target that has the event store. */
@Global()
@Module({ providers: [AccessDenials, AccessReads], exports: [AccessDenials, AccessReads] })
export class AccessDenialsModule {}
