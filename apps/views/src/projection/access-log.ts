import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_DENIED, accessStreamId, CASE_VIEWED, type AccessDenial, type CaseRead } from '@passerelle/contracts';
import { EVENT_STORE, StreamNotFound, type EventStore } from '@passerelle/event-store';
import { AccessReads } from '@passerelle/platform';

export type { CaseRead };

/** An entry of a case's access log: a read, or a refused attempt to read or publish. */
export type AccessLogEntry = ({ kind: 'read' } & CaseRead) | ({ kind: 'denied' } & AccessDenial);

/** What the access log of one case answers, per entry: the outcome said for every entry. */
export type PresentedAccessLogEntry = ({ kind: 'read'; outcome: 'served' } & CaseRead) | ({ kind: 'denied'; outcome: 'denied' } & AccessDenial);

/**
 * Who read which case, when and for what: each read is an event appended to the case's
 * access stream (`access-<caseid>`), hash-chained like the case itself, so the log an auditor
 * reads cannot be edited without it showing. Refused attempts are in the same stream
 * (AccessDenials, from the HTTP layer and the ledger).
 */
@Injectable()
export class AccessLog {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly reads: AccessReads,
  ) {}

  async record(caseId: string, read: CaseRead): Promise<void> {
    await this.reads.record([{ caseId, read }]);
  }

  /** Every read and every refused attempt, in the order they happened. */
  async entries(caseId: string): Promise<AccessLogEntry[]> {
    try {
      const events = await this.store.readStream(accessStreamId(caseId));
      return events.flatMap((e): AccessLogEntry[] => {
        if (e.type === CASE_VIEWED) return [{ kind: 'read', outcome: 'served', ...(e.data as unknown as CaseRead) }];
        if (e.type === ACCESS_DENIED) return [{ kind: 'denied', ...(e.data as unknown as AccessDenial) }];
        return [];
      });
    } catch (err) {
      if (err instanceof StreamNotFound) return [];
      throw err;
    }
  }
}
