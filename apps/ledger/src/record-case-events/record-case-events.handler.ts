import { Inject, Optional } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { caseStreamId, storedEventId, type CaseEventMetadata } from '@passerelle/contracts';
import { DuplicateEventId, EVENT_STORE, WrongExpectedRevision, type AppendResult, type EventLocation, type EventStore, type EventToAppend } from '@passerelle/event-store';
import { startSpan, type SpanOptions } from '@passerelle/telemetry';
import { caseEventOf, decide, evolve, type CaseFile } from '../domain/case-file';
import { LedgerMetrics } from '../ledger.metrics';
import { CaseRepository, type LoadedCase } from './case-repository';
import { RecordCaseEvents, type Outcome, type Submission } from './record-case-events.command';

/** Attempts when another writer moved the case between our read and our append. */
export const MAX_ATTEMPTS = 5;

@CommandHandler(RecordCaseEvents)
export class RecordCaseEventsHandler implements ICommandHandler<RecordCaseEvents> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cases: CaseRepository,
    @Optional() private readonly metrics?: LedgerMetrics,
  ) {}

  /**
   * Decides every case on its state (cached, or read), appends the accepted events of all
   * cases in one go, and answers from that. A case whose append did not go through as
   * planned — another writer moved it, an event was stored meanwhile, an id was reused — is
   * then recorded on its own, with retries.
   */
  async execute({ cases }: RecordCaseEvents): Promise<Outcome[][]> {
    // Redeliveries first: the store says which of these events it holds already, and where.
    const deciding = spans('ledger decide', cases.flatMap((c) => c.submissions));
    const stored = await this.store.locate(cases.flatMap((c) => c.submissions.map(idOf)));
    const planned = await Promise.all(
      cases.map(async ({ caseId, submissions }) => {
        const loaded = await this.cases.load(caseId);
        return { caseId, submissions, loaded, plan: this.decideAll(loaded, stored, submissions, new Set()) };
      }),
    );
    deciding.end();
    const appending = planned.filter((p) => p.plan.toAppend.length > 0);
    const appendingSpans = spans('event_store append', appending.flatMap((p) => p.submissions), { role: 'client', attributes: { 'db.operation.name': 'appendMany' } });
    const measured = appending.length === 0 ? undefined : this.metrics?.append(appending.reduce((n, p) => n + p.plan.toAppend.length, 0));
    const appended = await this.store.appendMany(
      appending.map((p) => ({ streamId: caseStreamId(p.caseId), events: p.plan.toAppend, expectedRevision: p.loaded.revision < 0n ? ('no_stream' as const) : p.loaded.revision })),
    );
    measured?.();
    appendingSpans.end();
    const results = new Map<string, Outcome[]>();
    appending.forEach((p, i) => {
      const outcome = appended[i]!;
      if (!outcome.ok || outcome.result.duplicate) {
        this.cases.forget(p.caseId);
        return;
      }
      results.set(p.caseId, this.settle(p.caseId, p.loaded, p.plan, outcome.result));
    });
    return Promise.all(
      planned.map(async (p) => {
        if (p.plan.toAppend.length === 0) return p.plan.outcomes as Outcome[];
        return results.get(p.caseId) ?? this.recordOne(p.caseId, p.submissions);
      }),
    );
  }

  /**
   * One case alone: read, decide, append with the revision read, and on a conflict read
   * again and decide again, a bounded number of times. An event already stored (a
   * redelivery) gets its original outcome, nothing new.
   */
  private async recordOne(caseId: string, submissions: readonly Submission[]): Promise<Outcome[]> {
    const reusedIds = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      const [loaded, stored] = await Promise.all([this.cases.load(caseId), this.store.locate(submissions.map(idOf))]);
      const plan = this.decideAll(loaded, stored, submissions, reusedIds);
      if (plan.toAppend.length === 0) return plan.outcomes as Outcome[];
      try {
        const appendSpans = spans('event_store append', submissions, { role: 'client', attributes: { 'db.operation.name': 'appendToStream', 'passerelle.attempt': attempt } });
        const result = await this.store.appendToStream(caseStreamId(caseId), plan.toAppend, loaded.revision < 0n ? 'no_stream' : loaded.revision).finally(() => appendSpans.end());
        if (result.duplicate) {
          // Stored meanwhile by another ledger: read it back and answer from the stream.
          this.cases.forget(caseId);
          continue;
        }
        return this.settle(caseId, loaded, plan, result);
      } catch (err) {
        this.cases.forget(caseId);
        if (err instanceof WrongExpectedRevision && attempt < MAX_ATTEMPTS) continue;
        if (err instanceof WrongExpectedRevision) {
          return submissions.map(() => ({
            status: 'rejected',
            code: 'CASE.REVISION_CONFLICT',
            reason: `the case kept changing under ${MAX_ATTEMPTS} attempts to record this event; send it again`,
          }));
        }
        if (err instanceof DuplicateEventId && !reusedIds.has(err.eventId)) {
          // An event id of this publisher already stands for another event (another case, or
          // other content): that submission is refused, the others are decided again.
          reusedIds.add(err.eventId);
          continue;
        }
        throw err;
      }
    }
  }

  /** Once appended: the case as it now stands goes to the cache, each submission gets its outcome. */
  private settle(caseId: string, loaded: LoadedCase, plan: Plan, result: AppendResult): Outcome[] {
    this.cases.remember(caseId, { state: plan.state, revision: result.nextExpectedRevision });
    return plan.outcomes.map((outcome) =>
      typeof outcome === 'number' ? accepted({ revision: loaded.revision + 1n + BigInt(outcome), position: result.positions[outcome]!, hash: result.hashes[outcome]! }) : outcome,
    );
  }

  /** Decides every submission on the case as the previous ones leave it. */
  private decideAll(loaded: LoadedCase, stored: ReadonlyMap<string, EventLocation>, submissions: readonly Submission[], reusedIds: ReadonlySet<string>): Plan {
    let state: CaseFile = loaded.state;
    let revision = loaded.revision;
    const toAppend: EventToAppend[] = [];
    /** An index into toAppend for an event to be appended; the outcome otherwise. */
    const outcomes: Array<Outcome | number> = [];
    const inThisBatch = new Map<string, number>();
    for (const submission of submissions) {
      const id = idOf(submission);
      const location = stored.get(id);
      const earlier = inThisBatch.get(id);
      if (location && location.streamId === caseStreamId(submission.envelope.caseid)) {
        // The publisher's id names the event: the same id again on the same case is a redelivery.
        outcomes.push(accepted(location));
      } else if (location) {
        outcomes.push({ status: 'rejected', code: 'EVENT.ID_REUSED', reason: `event id ${submission.envelope.id} of ${submission.publisher} already stands for an event of another case`, pointer: '/id' });
      } else if (earlier !== undefined) {
        outcomes.push(earlier); // the same event twice in one batch: one write, the same receipt
      } else if (reusedIds.has(id)) {
        outcomes.push({ status: 'rejected', code: 'EVENT.ID_REUSED', reason: `event id ${submission.envelope.id} of ${submission.publisher} already stands for another event`, pointer: '/id' });
      } else if (submission.expectedRevision !== undefined && submission.expectedRevision !== revision) {
        outcomes.push({
          status: 'rejected',
          code: 'CASE.REVISION_CONFLICT',
          reason: `the case is at revision ${revision}, not ${submission.expectedRevision} as expected: read it again and decide again`,
        });
      } else {
        const event = caseEventOf(submission.envelope as unknown as { id: string; type: string; data: Record<string, unknown> }, submission);
        const decision = decide(event, state);
        if (!decision.accepted) {
          outcomes.push({ status: 'rejected', ...decision.rejection });
          continue;
        }
        state = evolve(state, event);
        revision += 1n;
        const metadata: CaseEventMetadata = {
          publisher: submission.publisher,
          publishedBy: submission.publishedBy,
          receivedAt: submission.receivedAt,
          signature: submission.signature,
          category: submission.category,
          audience: decision.audience,
          ...(submission.traceparent ? { traceparent: submission.traceparent } : {}),
        };
        inThisBatch.set(id, toAppend.length);
        outcomes.push(toAppend.length);
        toAppend.push({ id, type: submission.envelope.type, data: submission.envelope as unknown as Record<string, unknown>, metadata: metadata as unknown as Record<string, unknown> });
      }
    }
    return { state, toAppend, outcomes };
  }
}

interface Plan {
  state: CaseFile;
  toAppend: EventToAppend[];
  /** An index into toAppend for an event to be appended; the outcome otherwise. */
  outcomes: Array<Outcome | number>;
}

const idOf = (submission: Submission): string => storedEventId(submission.publisher, submission.envelope.id);

function accepted(link: { revision: bigint; position: bigint; hash: string }): Outcome {
  return { status: 'accepted', revision: link.revision, position: link.position, hash: link.hash };
}

/** One span per traced submission, each in its own message's trace, ended together. */
function spans(name: string, submissions: readonly Submission[], options: Omit<SpanOptions, 'parent'> = {}): { end(): void } {
  const open = submissions.flatMap((s) => (s.traceparent ? [startSpan(name, { ...options, parent: s.traceparent })] : []));
  return { end: () => open.forEach((span) => span.end()) };
}
