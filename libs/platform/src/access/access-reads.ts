import { Inject, Injectable } from '@nestjs/common';
import { accessStreamId, CASE_VIEWED, type CaseRead } from '@passerelle/contracts';
import { EVENT_STORE, type EventStore } from '@passerelle/event-store';
import { randomUUID } from 'node:crypto';

/** One served read to record, and of which case. */
export interface ServedRead {
  caseId: string;
  read: CaseRead;
}

/**
 * Records served reads in each case's access log (the `access-<caseid>` stream), many cases in
 * one call: a list of cases or an event stream reads several at once. AccessDenials records the
 * refused ones.
 */
@Injectable()
export class AccessReads {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async record(reads: readonly ServedRead[]): Promise<void> {
    if (reads.length === 0) return;
    // appendMany takes each stream once: the reads of one case go in one append.
    const byCase = new Map<string, CaseRead[]>();
    for (const { caseId, read } of reads) byCase.set(caseId, [...(byCase.get(caseId) ?? []), read]);
    const outcomes = await this.store.appendMany(
      [...byCase].map(([caseId, list]) => ({
        streamId: accessStreamId(caseId),
        expectedRevision: 'any' as const,
        events: list.map((read) => ({ id: `read-${randomUUID()}`, type: CASE_VIEWED, data: { ...read } })),
      })),
    );
    for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
  }
}
