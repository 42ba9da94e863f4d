import { Inject, Optional } from '@nestjs/common';
import { CitizenDirectory, UnknownPseudonym } from '@passerelle/citizens';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { caseStreamId, storedEventId, type CaseEventMetadata } from '@passerelle/contracts';
import { DuplicateEventId, EVENT_STORE, StoreUnavailable, StreamNotFound, WrongExpectedRevision, type AppendResult, type EventLocation, type EventStore, type EventToAppend } from '@passerelle/event-store';
import { canonicalEventBytes } from '@passerelle/identity';
import { eraseFields, isErased, PERSONAL_DATA, personalMetadataOf, PrivacyError, type PersonalData } from '@passerelle/privacy';
import { startSpan, type SpanOptions } from '@passerelle/telemetry';
import { caseEventOf, decide, evolve, outsiderRefusal, type CaseFile } from '../domain/case-file';
import { citizenOfCase } from '../domain/citizen-of-case';
import { LedgerMetrics } from '../ledger.metrics';
import { CaseRepository, withCitizen, type LoadedCase } from './case-repository';
import { RecordCaseEvents, type CaseSubmissions, type Outcome, type Submission } from './record-case-events.command';

/** Attempts when another writer moved the case between our read and our append. */
export const MAX_ATTEMPTS = 5;
/** Where redeliveries are looked for when the store's `locate` cannot find them: the case's last events. */
const REPLAY_WINDOW = 100;

@CommandHandler(RecordCaseEvents)
export class RecordCaseEventsHandler implements ICommandHandler<RecordCaseEvents> {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly cases: CaseRepository,
    @Optional() private readonly metrics?: LedgerMetrics,
    @Optional() private readonly citizens?: CitizenDirectory,
    @Optional() @Inject(PERSONAL_DATA) private readonly personal?: PersonalData,
  ) {}

  /**
   * Decides every case on its state (cached, or read), appends the accepted events of all
   * cases in one go, and answers from that (a replay of the very same append, too). A case
   * whose append did not go through as planned — another writer moved it, an event was
   * stored meanwhile, an id was reused — is then recorded on its own, with retries.
   */
  async execute({ cases }: RecordCaseEvents): Promise<Outcome[][]> {
    // Redeliveries first: the store says which of these events it holds already, and where.
    const all = cases.flatMap((c) => c.submissions);
    const deciding = spans('ledger decide', all);
    const known = await this.recognise(await this.locate(cases), all);
    const citizens = await this.resolveCitizens(all);
    const planned = await Promise.all(
      cases.map(async ({ caseId, submissions }) => {
        const loaded = await this.cases.load(caseId);
        return { caseId, submissions, loaded, plan: this.decideAll(loaded, known, submissions, citizens) };
      }),
    );
    // Personal fields sealed for every case at once; a case with an erased citizen's event is decided again without it.
    const refusedByCase = await this.seal(planned.map((p) => p.plan));
    for (const p of planned) {
      const refused = refusedByCase.get(p.plan);
      if (refused) p.plan = await this.decideSealed(p.loaded, known, p.submissions, citizens, refused);
    }
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
      if (!outcome.ok) {
        this.cases.forget(p.caseId);
        return;
      }
      if (outcome.result.duplicate) this.cases.forget(p.caseId);
      results.set(p.caseId, this.settle(p.caseId, p.loaded, p.plan, outcome.result));
    });
    const outcomes = await Promise.all(
      planned.map(async (p) => {
        if (p.plan.toAppend.length === 0) return p.plan.outcomes as Outcome[];
        return results.get(p.caseId) ?? this.recordOne(p.caseId, p.submissions, citizens);
      }),
    );
    await this.linkOpenedCases(planned, outcomes, citizens);
    return outcomes;
  }

  /**
   * What each submission's publisher calls the citizen (`data.citizen`), as the hub-side id, or
   * the refusal of a hub pseudonym it was never given. The stored envelope keeps what was sent.
   */
  private async resolveCitizens(submissions: readonly Submission[]): Promise<Citizens> {
    const resolved: Citizens = new Map();
    if (!this.citizens) return resolved;
    for (const submission of submissions) {
      const reference = (submission.envelope.data as Record<string, unknown> | undefined)?.citizen;
      if (typeof reference !== 'string') continue;
      try {
        resolved.set(submission, await this.citizens.resolve(submission.publisher, reference));
      } catch (err) {
        if (!(err instanceof UnknownPseudonym)) throw err;
        resolved.set(submission, err);
      }
    }
    return resolved;
  }

  /**
   * Which citizen each newly opened case is about, for the citizen's own log: after the append,
   * before the receipts go out, so a crash in between redelivers the batch, and the redelivery
   * (accepted again, from the store) links it then.
   */
  private async linkOpenedCases(planned: ReadonlyArray<{ caseId: string; submissions: readonly Submission[] }>, outcomes: readonly Outcome[][], citizens: Citizens): Promise<void> {
    if (!this.citizens) return;
    for (const [i, { caseId, submissions }] of planned.entries()) {
      for (const [j, submission] of submissions.entries()) {
        const citizen = citizens.get(submission);
        if (typeof citizen === 'string' && /^passerelle\.case\.CaseOpened\.v\d+$/.test(submission.envelope.type) && outcomes[i]?.[j]?.status === 'accepted') {
          await this.citizens.linkCase(caseId, citizen);
        }
      }
    }
  }

  /**
   * One case alone: read, decide, append with the revision read, and on a conflict read
   * again and decide again, a bounded number of times. An event already stored (a
   * redelivery) gets its original outcome, nothing new, whether the store's `locate` found it
   * or only the append did (EventStoreDB locates nothing): every way round the loop is bounded.
   */
  private async recordOne(caseId: string, submissions: readonly Submission[], citizens: Citizens): Promise<Outcome[]> {
    /** What the appends taught about ids `locate` did not find: stored in this case, or reused. */
    const learnt = new Map<string, Known>();
    let conflicts = 0;
    // Each round either ends, or counts a conflict, or learns one more id of this batch.
    const rounds = MAX_ATTEMPTS + submissions.length + 1;
    for (let round = 1; round <= rounds; round++) {
      const [loaded, located] = await Promise.all([this.cases.load(caseId), this.locate([{ caseId, submissions }])]);
      const known = new Map([...learnt, ...(await this.recognise(located, submissions))]);
      const plan = await this.decideSealed(loaded, known, submissions, citizens);
      if (plan.toAppend.length === 0) return plan.outcomes as Outcome[];
      try {
        const appendSpans = spans('event_store append', submissions, { role: 'client', attributes: { 'db.operation.name': 'appendToStream' } });
        const result = await this.store.appendToStream(caseStreamId(caseId), plan.toAppend, loaded.revision < 0n ? 'no_stream' : loaded.revision).finally(() => appendSpans.end());
        // A replay of exactly this append (same events, same metadata): the result says where
        // each was stored. The cached case may be behind: read again next time.
        if (result.duplicate) this.cases.forget(caseId);
        return this.settle(caseId, loaded, plan, result);
      } catch (err) {
        this.cases.forget(caseId);
        if (err instanceof WrongExpectedRevision) {
          conflicts += 1;
          if (conflicts < MAX_ATTEMPTS) continue;
          return submissions.map(() => ({
            status: 'rejected',
            code: 'CASE.REVISION_CONFLICT',
            reason: `the case kept changing under ${MAX_ATTEMPTS} attempts to record this event; send it again`,
          }));
        }
        if (err instanceof DuplicateEventId && !learnt.has(err.eventId) && !known.has(err.eventId)) {
          // An id of this batch is stored already (received again meanwhile, or reused for
          // another event): find it in the case and judge it by content; decide the rest again.
          learnt.set(err.eventId, await this.judgeInCase(caseId, err.eventId, submissions));
          continue;
        }
        throw err;
      }
    }
    throw new StoreUnavailable(`case ${caseId}: could not record ${submissions.length} event(s) in ${rounds} rounds; the batch will be delivered again`);
  }

  /** Where the store holds these submissions' events, for those it does. */
  private async locate(cases: readonly CaseSubmissions[]): Promise<Map<string, EventLocation>> {
    const located = await this.store.locate(cases.flatMap((c) => c.submissions.map(idOf)));
    if (this.store.locatesAll) return located;
    await Promise.all(
      cases.map(async ({ caseId, submissions }) => {
        const missing = new Set(submissions.map(idOf).filter((id) => !located.has(id)));
        if (missing.size === 0) return;
        const tail = await this.store.readStream(caseStreamId(caseId), { direction: 'backwards', limit: Math.max(REPLAY_WINDOW, missing.size) }).catch((err: unknown) => {
          if (err instanceof StreamNotFound) return [];
          throw err;
        });
        for (const event of tail) if (missing.has(event.id)) located.set(event.id, event);
      }),
    );
    return located;
  }

  /**
   * For ids the store located: a redelivery when stored in the same case with the same
   * canonical envelope (JCS, what the publisher signed); a reused id otherwise.
   */
  private async recognise(located: ReadonlyMap<string, EventLocation>, submissions: readonly Submission[]): Promise<Map<string, Known>> {
    const known = new Map<string, Known>();
    await Promise.all(
      [...new Map(submissions.map((s) => [idOf(s), s])).values()].map(async (submission) => {
        const id = idOf(submission);
        const location = located.get(id);
        if (!location) return;
        if (location.streamId !== caseStreamId(submission.envelope.caseid)) {
          known.set(id, { kind: 'reused', reason: `event id ${submission.envelope.id} of ${submission.publisher} already stands for an event of another case` });
          return;
        }
        const [stored] = await this.store.readStream(location.streamId, { from: location.revision, limit: 1 });
        known.set(id, stored?.id === id ? judge(stored, location, submission) : reusedInCase(submission));
      }),
    );
    return known;
  }

  /** An id the append found stored while `locate` did not: looked for in the case's own stream. */
  private async judgeInCase(caseId: string, id: string, submissions: readonly Submission[]): Promise<Known> {
    const submission = submissions.find((s) => idOf(s) === id);
    if (!submission) throw new StoreUnavailable(`case ${caseId}: the store reports event id ${id}, which this batch does not hold`);
    const events = await this.store.readStream(caseStreamId(caseId)).catch(() => []);
    const stored = events.find((e) => e.id === id);
    if (!stored) return { kind: 'reused', reason: `event id ${submission.envelope.id} of ${submission.publisher} already stands for an event of another case` };
    return judge(stored, stored, submission);
  }

  /** Once appended: the case as it now stands goes to the cache, each submission gets its outcome. */
  private settle(caseId: string, loaded: LoadedCase, plan: Plan, result: AppendResult): Outcome[] {
    if (!result.duplicate) this.cases.remember(caseId, { state: plan.state, revision: result.nextExpectedRevision });
    return plan.outcomes.map((outcome) =>
      typeof outcome === 'number' ? accepted({ revision: result.revisions[outcome] ?? loaded.revision + 1n + BigInt(outcome), position: result.positions[outcome]!, hash: result.hashes[outcome]! }) : outcome,
    );
  }

  /**
   * Seals the personal fields of every planned event with its citizen's key (one lookup for
   * all). An event of a citizen whose data was erased is refused (PRIVACY.CITIZEN_ERASED): the
   * plans holding one are returned with the refusals, to be decided again without them.
   */
  private async seal(plans: readonly Plan[]): Promise<Map<Plan, Map<string, Outcome>>> {
    const items = plans.flatMap((plan) => plan.toAppend.map((event, i) => ({ plan, event, sealing: plan.sealing[i]! })));
    const refused = new Map<Plan, Map<string, Outcome>>();
    if (!this.personal || items.every((item) => item.sealing.fields.length === 0)) return refused;
    const sealed = await this.personal.seal(items.map(({ event, sealing }) => ({ eventId: event.id, citizen: sealing.citizen, envelope: event.data, fields: sealing.fields, kid: sealing.kid })));
    items.forEach(({ plan, event }, i) => {
      const result = sealed[i]!;
      if ('error' in result) {
        const outcomes = refused.get(plan) ?? new Map<string, Outcome>();
        outcomes.set(event.id, { status: 'rejected', code: result.error.code as 'PRIVACY.CITIZEN_ERASED', reason: result.error.message });
        refused.set(plan, outcomes);
      } else if (result.personal) {
        event.data = result.envelope;
        event.metadata = { ...event.metadata, personal: result.personal };
      }
    });
    return refused;
  }

  /** decideAll, sealed; refusing events of erased citizens until none is left (bounded by the batch's length). */
  private async decideSealed(loaded: LoadedCase, known: ReadonlyMap<string, Known>, submissions: readonly Submission[], citizens: Citizens, refused = new Map<string, Outcome>()): Promise<Plan> {
    for (let round = 0; round <= submissions.length; round++) {
      const plan = this.decideAll(loaded, known, submissions, citizens, refused);
      const more = (await this.seal([plan])).get(plan);
      if (!more) return plan;
      for (const [id, outcome] of more) refused.set(id, outcome);
    }
    throw new PrivacyError('PRIVACY.CITIZEN_ERASED', 'sealing kept refusing events of this batch');
  }

  /** Decides every submission on the case as the previous ones leave it. */
  private decideAll(loaded: LoadedCase, known: ReadonlyMap<string, Known>, submissions: readonly Submission[], citizens: Citizens, refused: ReadonlyMap<string, Outcome> = new Map()): Plan {
    let state: CaseFile = loaded.state;
    let revision = loaded.revision;
    const toAppend: EventToAppend[] = [];
    const sealing: Sealing[] = [];
    /** An index into toAppend for an event to be appended; the outcome otherwise. */
    const outcomes: Array<Outcome | number> = [];
    const inThisBatch = new Map<string, { index: number; submission: Submission }>();
    for (const submission of submissions) {
      const id = idOf(submission);
      const stored = known.get(id);
      const earlier = inThisBatch.get(id);
      const refusal = refused.get(id);
      if (refusal) {
        outcomes.push(refusal);
      } else if (stored?.kind === 'redelivery') {
        // The publisher's id names the event: the same event again on the same case is a redelivery.
        outcomes.push(accepted(stored.location));
      } else if (stored) {
        outcomes.push({ status: 'rejected', code: 'EVENT.ID_REUSED', reason: stored.reason, pointer: '/id' });
      } else if (earlier !== undefined) {
        // The same event twice in one batch: one write, the same receipt; another event under the same id: refused.
        outcomes.push(sameEnvelope(earlier.submission.envelope, submission.envelope) ? earlier.index : { status: 'rejected', code: 'EVENT.ID_REUSED', reason: reusedInCase(submission).reason, pointer: '/id' });
      } else {
        const citizen = citizens.get(submission);
        // The rules see the citizen by its hub-side id; the stored envelope keeps what was signed.
        const envelope = withCitizen(submission.envelope as unknown as { id: string; type: string; data: Record<string, unknown> }, (reference) => (typeof citizen === 'string' ? citizen : reference));
        const event = caseEventOf(envelope, submission);
        // An outsider learns nothing of the case, not even its revision: one answer, first.
        const outsider = outsiderRefusal(event, submission.envelope.caseid, state);
        if (outsider) {
          outcomes.push({ status: 'rejected', ...outsider });
          continue;
        }
        if (citizen instanceof UnknownPseudonym) {
          outcomes.push({ status: 'rejected', code: citizen.code, reason: citizen.message, pointer: '/data/citizen' });
          continue;
        }
        if (submission.expectedRevision !== undefined && submission.expectedRevision !== revision) {
          outcomes.push({
            status: 'rejected',
            code: 'CASE.REVISION_CONFLICT',
            reason: `the case is at revision ${revision}, not ${submission.expectedRevision} as expected: read it again and decide again`,
          });
          continue;
        }
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
        inThisBatch.set(id, { index: toAppend.length, submission });
        outcomes.push(toAppend.length);
        toAppend.push({ id, type: submission.envelope.type, data: submission.envelope as unknown as Record<string, unknown>, metadata: metadata as unknown as Record<string, unknown> });
        sealing.push({ citizen: citizenOfCase(state), fields: submission.personalFields ?? [], kid: keyIdOf(submission.signature) });
      }
    }
    return { state, toAppend, outcomes, sealing };
  }
}

/** Each submission naming a citizen: its hub-side id, or why the name it used is refused. */
type Citizens = Map<Submission, string | UnknownPseudonym>;

interface Plan {
  state: CaseFile;
  toAppend: EventToAppend[];
  /** An index into toAppend for an event to be appended; the outcome otherwise. */
  outcomes: Array<Outcome | number>;
  /** One per toAppend event: whose key seals its personal fields, which, and the signature's key. */
  sealing: Sealing[];
}

interface Sealing {
  citizen: string | undefined;
  fields: readonly string[];
  kid: string | null;
}

/** The kid of a compact JWS's protected header (the screening verified it), or null. */
function keyIdOf(jws: string): string | null {
  try {
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid : null;
  } catch {
    return null;
  }
}

const idOf = (submission: Submission): string => storedEventId(submission.publisher, submission.envelope.id);

/** A submission whose id the store holds: the same event received again, or the id reused. */
type Known = { kind: 'redelivery'; location: EventLocation } | { kind: 'reused'; reason: string };

/** Same content: the canonical (JCS) envelopes are byte for byte equal, as their signatures would be. */
function sameEnvelope(a: object, b: object): boolean {
  return Buffer.from(canonicalEventBytes(a)).equals(canonicalEventBytes(b));
}

/**
 * A stored event read back opened: its personal fields in clear, or erased. Once erased, the
 * same event is recognised by everything but those fields (what the hub can still compare).
 */
function judge(stored: { data: Record<string, unknown>; metadata: Record<string, unknown> }, location: EventLocation, submission: Submission): Known {
  const personal = personalMetadataOf(stored);
  const erased = personal?.fields.some((f) => isErased(valueAt(stored.data, f)));
  const submitted = erased ? eraseFields(submission.envelope, personal!.fields) : submission.envelope;
  return sameEnvelope(stored.data, submitted) ? { kind: 'redelivery', location } : reusedInCase(submission);
}

function valueAt(value: unknown, pointer: string): unknown {
  let at = value;
  for (const part of pointer.split('/').slice(1)) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[part] : undefined;
  return at;
}

function reusedInCase(submission: Submission): Known & { kind: 'reused' } {
  return { kind: 'reused', reason: `event id ${submission.envelope.id} of ${submission.publisher} already stands for another event of this case, with other content: a new event needs a new id` };
}

function accepted(link: { revision: bigint; position: bigint; hash: string }): Outcome {
  return { status: 'accepted', revision: link.revision, position: link.position, hash: link.hash };
}

/** One span per traced submission, each in its own message's trace, ended together. */
function spans(name: string, submissions: readonly Submission[], options: Omit<SpanOptions, 'parent'> = {}): { end(): void } {
  const open = submissions.flatMap((s) => (s.traceparent ? [startSpan(name, { ...options, parent: s.traceparent })] : []));
  return { end: () => open.forEach((span) => span.end()) };
}
