import { upcast, type CaseEventEnvelope } from '@passerelle/contracts';
import type { CommittedEvent } from '../domain/case-view';

/** A message on an outbound topic that is no committed event: nothing a retry can fix. */
export class UnreadableMessage extends Error {
  readonly code = 'VIEW.UNREADABLE_MESSAGE';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'UnreadableMessage';
  }
}

/** The view reads every event at its newest version (envelope v3: a v2 one relayed before it is upcast too). */
export function committedEvent(envelope: CaseEventEnvelope): CommittedEvent {
  const current = upcast(envelope);
  const { caserevision, logposition, hash } = current;
  if (caserevision === undefined || logposition === undefined || hash === undefined) {
    throw new UnreadableMessage(`event ${String(current.id)} has no commit attributes (caserevision, logposition, hash): it is not a committed event`);
  }
  return {
    id: current.id,
    source: current.source,
    type: current.type,
    time: current.time,
    channel: current.channel,
    caseid: current.caseid,
    data: current.data,
    revision: Number(caserevision),
    position: Number(logposition),
    hash,
  };
}
