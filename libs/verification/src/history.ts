import { CASE_STREAM_PREFIX, type EventValidator } from '@passerelle/contracts';
import { GENESIS_HASH, type RecordedEvent } from '@passerelle/event-store';
import type { EventSignatureVerifier } from '@passerelle/identity';
import type { FailureKind } from './failure-kinds';
import { ownHashProblem } from './own-hash';
import { checkPublisher } from './publisher-checks';

export type { FailureKind } from './failure-kinds';

/**
 * What an auditor checks an event with: the stored record as any store hands it back, and —
 * for an event whose personal fields the hub sealed — its envelope with them opened, when
 * the auditor holds the citizen's key (see checkPublisher).
 */
export type VerifiableEvent = Omit<RecordedEvent, 'recordedAt'> & { opened?: Record<string, unknown> };

/** What places an event in its stream's chain. */
export type LinkedEvent = Pick<RecordedEvent, 'streamId' | 'id' | 'revision' | 'position' | 'prevHash' | 'hash'>;

export interface Failure {
  kind: FailureKind;
  streamId: string;
  /** The revision where the history first goes wrong (decimal). */
  revision?: string;
  position?: string;
  eventId?: string;
  message: string;
}

export interface VerificationReport {
  ok: boolean;
  streams: number;
  eventsVerified: number;
  /** What was checked: chain always; signatures and schemas when the verifier was given them. */
  checked: Array<'chain' | 'signatures' | 'schemas' | 'head' | 'checkpoint'>;
  /** The first failure, in log order of the stream that failed first. */
  failure?: Failure;
  /**
   * Case events whose sealed personal fields were not opened (erased, or no key at hand): their
   * publisher signature is established by the hub's record of receipt, not re-verified.
   */
  attested?: number;
}

export interface VerifierOptions {
  /** Checks publisher signatures with the key valid when the hub received each event. */
  signatures?: EventSignatureVerifier;
  /** Checks each case event against its type's schema. */
  validator?: EventValidator;
}

/**
 * The checks of one event, in the order they are made: its place in its stream (`order`), its
 * own hash, its link to the previous event, its publisher's signature and schema; then, for a
 * stream, its recorded head. Of two failures of the same event, the earlier check's is reported.
 */
export type Check = 'order' | 'hash' | 'link' | 'publisher' | 'head';
export const CHECK_ORDER: Readonly<Record<Check, number>> = { order: 0, hash: 1, link: 2, publisher: 3, head: 4 };

interface StreamState {
  /** Next expected revision. */
  revision: bigint;
  lastHash: string;
  seen: Map<bigint, string>;
}

/**
 * Verifies histories in one pass, event by event, in the order a store reads them (a stream
 * by revision; the log by position): each event must follow its stream's previous one (its
 * revision, its prevHash), match its own hash, carry a publisher signature valid with the key
 * valid when the hub received it, and match its schema. Streams are tracked side by side, so
 * the whole log can be checked without holding it. Stops at the first failure.
 */
export class HistoryVerifier {
  private readonly streams = new Map<string, StreamState>();
  private events = 0;
  private attested = 0;
  private failure: Failure | undefined;
  private check: Check | undefined;

  constructor(private readonly options: VerifierOptions = {}) {}

  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Which check failed, to order this failure against one found elsewhere for the same event. */
  get failedCheck(): Check | undefined {
    return this.check;
  }

  /**
   * Starts a stream mid-way, trusting where it starts (for a time range): its first event
   * checked is `revision`, linked to `prevHash`.
   */
  startAt(streamId: string, revision: bigint, prevHash: string): void {
    if (!this.streams.has(streamId)) this.streams.set(streamId, { revision, lastHash: prevHash, seen: new Map() });
  }

  /** Checks one event; false once the history has failed (this event or an earlier one). */
  push(event: VerifiableEvent): boolean {
    return this.follow(event, event);
  }

  /**
   * Checks an event's place in its stream and its link to the previous one, leaving its own
   * hash and its publisher to the caller (verification threads check them, in parallel).
   */
  pushLink(event: LinkedEvent): boolean {
    return this.follow(event, undefined);
  }

  private follow(event: LinkedEvent, content: VerifiableEvent | undefined): boolean {
    if (this.failure) return false;
    let state = this.streams.get(event.streamId);
    if (!state) {
      state = { revision: 0n, lastHash: GENESIS_HASH, seen: new Map() };
      this.streams.set(event.streamId, state);
    }
    // Built only when something fails: an intact history is the hot path of every replay.
    const at = () => ({ streamId: event.streamId, revision: String(event.revision), position: String(event.position), eventId: event.id });

    if (event.revision !== state.revision) {
      if (event.revision < state.revision) {
        return this.fail('order', { ...at(), kind: 'reordered', message: `revision ${event.revision} comes after revision ${state.revision - 1n}: the stream is out of order` });
      }
      return this.fail('order', { ...at(), revision: String(state.revision), kind: 'missing', message: `revision ${state.revision} is missing: the stream jumps to ${event.revision}` });
    }
    if (content) {
      const problem = ownHashProblem(content);
      if (problem) return this.fail('hash', { ...at(), kind: 'modified', message: problem });
    }
    if (event.prevHash !== state.lastHash) {
      return this.fail('link', { ...at(), kind: 'modified', message: `revision ${event.revision} does not follow revision ${event.revision - 1n}: one of them was rewritten` });
    }
    if (content && event.streamId.startsWith(CASE_STREAM_PREFIX)) {
      const problem = this.checkCaseEvent(content);
      if (problem) return this.fail('publisher', { ...at(), ...problem });
    }
    state.revision += 1n;
    state.lastHash = event.hash;
    this.events += 1;
    return true;
  }

  /**
   * Checks that each stream ends where an independent record says it does (the store's head
   * table, or a signed checkpoint's head): a tail cut off, or rewritten, shows here.
   */
  expectHead(streamId: string, head: { revision: bigint; hash: string }, source: 'head' | 'checkpoint'): boolean {
    if (this.failure) return false;
    const state = this.streams.get(streamId);
    const last = state ? state.revision - 1n : -1n;
    if (last < head.revision) {
      return this.fail('head', {
        streamId,
        revision: String(last + 1n),
        kind: 'truncated',
        message: `the ${source === 'checkpoint' ? 'signed checkpoint' : 'recorded head'} says revision ${head.revision} exists; the history ends at ${last < 0n ? 'nothing' : `revision ${last}`}`,
      });
    }
    const hashAt = last === head.revision ? state!.lastHash : undefined;
    if (hashAt !== undefined && hashAt !== head.hash) {
      return this.fail('head', {
        streamId,
        revision: String(head.revision),
        kind: source === 'checkpoint' ? 'checkpoint-mismatch' : 'modified',
        message: `revision ${head.revision} is not the one the ${source === 'checkpoint' ? 'signed checkpoint' : 'recorded head'} names: the history was rewritten`,
      });
    }
    return true;
  }

  /** Records the hash of a revision in passing, for a checkpoint whose head is not the stream's last. */
  remember(event: VerifiableEvent): void {
    this.streams.get(event.streamId)?.seen.set(event.revision, event.hash);
  }

  /** A checkpoint's head at a revision older than the stream's last: it must still be there, unchanged. */
  expectCheckpointed(streamId: string, head: { revision: bigint; hash: string }): boolean {
    if (this.failure) return false;
    const state = this.streams.get(streamId);
    const last = state ? state.revision - 1n : -1n;
    if (last === head.revision || last < head.revision) return this.expectHead(streamId, head, 'checkpoint');
    const hash = state!.seen.get(head.revision);
    if (hash !== head.hash) {
      return this.fail('head', { streamId, revision: String(head.revision), kind: 'checkpoint-mismatch', message: `revision ${head.revision} is not the one the signed checkpoint names: the history was rewritten` });
    }
    return true;
  }

  report(checked: VerificationReport['checked']): VerificationReport {
    const all: VerificationReport['checked'] = ['chain'];
    if (this.options.signatures) all.push('signatures');
    if (this.options.validator) all.push('schemas');
    for (const c of checked) if (!all.includes(c)) all.push(c);
    return { ok: !this.failure, streams: this.streams.size, eventsVerified: this.events, checked: all, ...(this.attested > 0 ? { attested: this.attested } : {}), ...(this.failure ? { failure: this.failure } : {}) };
  }

  private checkCaseEvent(event: VerifiableEvent): Pick<Failure, 'kind' | 'message'> | undefined {
    if (!this.options.signatures && !this.options.validator) return undefined;
    const check = checkPublisher(event, this.options);
    if (!check.ok) return { kind: check.kind, message: check.message };
    if (check.attested) this.attested += 1;
    return undefined;
  }

  private fail(check: Check, failure: Failure): false {
    this.check = check;
    this.failure = failure;
    return false;
  }
}


export interface CaseEvidence {
  /** The stream's head as the store records it apart from the events. */
  head?: { revision: bigint; hash: string };
  /** A signed checkpoint's head of this stream (its signature and proof already checked). */
  checkpointed?: { revision: bigint; hash: string };
}

/**
 * Verifies one stream's whole history (read in revision order). Like HistoryVerifier, but
 * with the whole list at hand it can tell an event that moved (`reordered`) from one that was
 * rewritten (`modified`), and a cut tail (`truncated`) from a hole (`missing`).
 */
export function verifyStream(streamId: string, events: readonly VerifiableEvent[], options: VerifierOptions = {}, evidence: CaseEvidence = {}): VerificationReport {
  const verifier = new HistoryVerifier(options);
  const checked: VerificationReport['checked'] = [];
  for (const [i, event] of events.entries()) {
    if (verifier.push(event)) {
      verifier.remember(event);
      continue;
    }
    const report = verifier.report(checked);
    const failure = report.failure!;
    // The expected event is further down the list: it moved rather than changed.
    const expected = BigInt(failure.revision ?? '0');
    const previousHash = i === 0 ? GENESIS_HASH : events[i - 1]!.hash;
    const later = events.slice(i + 1);
    if ((failure.kind === 'modified' && event.prevHash !== previousHash && later.some((e) => e.prevHash === previousHash)) || (failure.kind === 'missing' && later.some((e) => e.revision === expected))) {
      return { ...report, failure: { ...failure, kind: 'reordered', revision: String(expected), message: `revision ${expected} is out of its place: the stream was reordered` } };
    }
    return report;
  }
  if (evidence.head) {
    checked.push('head');
    verifier.expectHead(streamId, evidence.head, 'head');
  }
  if (evidence.checkpointed) {
    checked.push('checkpoint');
    verifier.expectCheckpointed(streamId, evidence.checkpointed);
  }
  return verifier.report(checked);
}
