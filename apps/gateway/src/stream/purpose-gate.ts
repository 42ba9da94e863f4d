import { caseEventMetadata, caseStreamId, evolveEntitlement, initialEntitlement, purposeRefusal, purposesServed, type CaseEventEnvelope, type Purpose, type ReadEntitlement, type StatedPurpose } from '@passerelle/contracts';
import { StreamNotFound, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import type { AccessDenials, AccessReads } from '@passerelle/platform';

/** Who streams, and why. */
export interface StreamReader {
  organization: string;
  subject: string;
  stated: StatedPurpose;
}

interface CaseGate {
  entitlement: ReadEntitlement;
  /** The last event folded into it. */
  position: bigint;
  /** What was last logged for this case on this connection. */
  logged?: 'served' | 'withheld';
}

/**
 * Binds one event stream to the purpose it stated, as a read of one case is bound: an event
 * is streamed when its organization owns the case or holds a grant in force serving the
 * purpose, and left out otherwise. What the organization may read each case for is folded from
 * the case's events in its audience — the whole case the first time the connection meets it,
 * then each event as it passes. Each case's access log gets an entry when the connection first
 * sends (a read, via stream) or leaves out (a denial) one of its events, and again when that
 * changes (a grant given or revoked mid-stream), not per event.
 */
export class PurposeGate {
  private readonly cases = new Map<string, CaseGate>();

  constructor(
    private readonly store: EventStore,
    private readonly reader: StreamReader,
    private readonly reads: AccessReads,
    private readonly denials: AccessDenials,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Whether `event`, one of the organization's (in its audience), may be streamed for the purpose. */
  async admits(event: RecordedEvent): Promise<boolean> {
    const envelope = event.data as unknown as CaseEventEnvelope;
    const caseId = envelope.caseid;
    const gate = await this.gateOf(caseId, event);
    const at = this.now().toISOString();
    const held = purposesServed(gate.entitlement, at);
    const served = held.has(this.reader.stated.purpose);
    const outcome = served ? 'served' : 'withheld';
    if (gate.logged !== outcome) {
      await this.log(caseId, event, held, served, at);
      gate.logged = outcome;
    }
    return served;
  }

  private async gateOf(caseId: string, event: RecordedEvent): Promise<CaseGate> {
    const known = this.cases.get(caseId);
    if (known) {
      if (event.position > known.position) {
        known.entitlement = evolveEntitlement(known.entitlement, this.asCaseEvent(event));
        known.position = event.position;
      }
      return known;
    }
    let history: RecordedEvent[];
    try {
      history = await this.store.readStream(caseStreamId(caseId));
    } catch (err) {
      if (!(err instanceof StreamNotFound)) throw err;
      history = [event];
    }
    const mine = history.filter((e) => caseEventMetadata(e).audience.includes(this.reader.organization));
    const gate: CaseGate = {
      entitlement: mine.map((e) => this.asCaseEvent(e)).reduce(evolveEntitlement, initialEntitlement(this.reader.organization)),
      position: history.at(-1)!.position, // the history holds `event` (or is it)
    };
    this.cases.set(caseId, gate);
    return gate;
  }

  private asCaseEvent(event: RecordedEvent): { type: string; data: Record<string, unknown> } {
    const envelope = event.data as unknown as CaseEventEnvelope;
    return { type: envelope.type, data: envelope.data as Record<string, unknown> };
  }

  private async log(caseId: string, event: RecordedEvent, held: ReadonlySet<Purpose>, served: boolean, at: string): Promise<void> {
    const { organization, subject, stated } = this.reader;
    if (served) {
      await this.reads.record([{ caseId, read: { organization, subject, purpose: stated.purpose, ...(stated.note ? { note: stated.note } : {}), outcome: 'served', via: 'stream', revision: Number(event.revision), at } }]);
    } else {
      const reason = `left out of the event stream: ${purposeRefusal(organization, caseId, stated.purpose, held)}`;
      await this.denials.record([{ caseId, denial: { action: 'read', organization, subject, status: 403, code: 'ACCESS.PURPOSE_NOT_GRANTED', reason, target: 'GET /events/stream', purpose: stated.purpose, at } }]);
    }
  }
}
