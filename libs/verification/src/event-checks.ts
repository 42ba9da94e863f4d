import { CASE_STREAM_PREFIX, type EventValidator } from '@passerelle/contracts';
import { GENESIS_HASH } from '@passerelle/event-store';
import type { EventSignatureVerifier } from '@passerelle/identity';
import { ownHashProblem } from './own-hash';
import { checkPublisher } from './publisher-checks';
import type { VerifiableEvent } from './history';

/** One check of one event: passed, or failed with a stable code and why. */
export interface CheckOutcome {
  ok: boolean;
  code?: string;
  message?: string;
}

/** The three checks an auditor sees beside each event. */
export interface EventChecks {
  revision: string;
  position: string;
  eventId: string;
  /** Its own hash, its link to the event before it, its place in the revision order. */
  chain: CheckOutcome;
  /** The publisher's signature with the key valid when the hub received the event; `kid` from its header. */
  signature: CheckOutcome & { kid?: string; attested?: boolean };
  /** The event against its type's schema; the first failing JSON pointer when it does not match. */
  schema: CheckOutcome & { pointer?: string };
}

/**
 * The signature's and the schema's outcomes. `attested`: the event's personal fields are sealed
 * and were not opened (erased): its signature stands on the hub's record of receipt.
 */
function publisherOutcomes(event: VerifiableEvent, options: { signatures?: EventSignatureVerifier; validator?: EventValidator }): Pick<EventChecks, 'signature' | 'schema'> {
  const jws = typeof event.metadata.signature === 'string' ? event.metadata.signature : undefined;
  const kid = jws ? keyIdOf(jws) : undefined;
  const withKid = kid ? { kid } : {};
  const signed = options.signatures ? checkPublisher(event, { signatures: options.signatures }) : undefined;
  const schemaCheck = options.validator ? checkPublisher(event, { validator: options.validator }) : undefined;
  const attested = (signed ?? schemaCheck)?.attested ? { attested: true } : {};
  const signature: EventChecks['signature'] = !signed || signed.ok ? { ok: true, ...withKid, ...attested } : { ok: false, code: signed.code, message: signed.message.replace(/^revision \d+: /, ''), ...withKid, ...attested };
  const schema: EventChecks['schema'] = !schemaCheck || schemaCheck.ok ? { ok: true } : { ok: false, code: schemaCheck.code, message: schemaCheck.message.replace(/^revision \d+ does not match its schema: /, ''), pointer: schemaCheck.pointer ?? '/' };
  return { signature, schema };
}

/**
 * Checks each event of one stream on its own, so a page can put a badge on every event: unlike
 * HistoryVerifier, which stops at the first failure, an event after a tampered one is judged
 * by its own content and its link to the stored event before it. The verdict on the whole
 * history (and the first failure) stays verifyStream's.
 */
export function checkEachEvent(events: readonly VerifiableEvent[], options: { signatures?: EventSignatureVerifier; validator?: EventValidator } = {}): EventChecks[] {
  return events.map((event, i) => {
    const previous = i === 0 ? undefined : events[i - 1];
    const expectedRevision = previous ? previous.revision + 1n : 0n;
    const expectedPrev = previous ? previous.hash : GENESIS_HASH;
    let chain: CheckOutcome = { ok: true };
    const ownHash = ownHashProblem(event);
    if (ownHash) {
      chain = { ok: false, code: 'modified', message: ownHash };
    } else if (event.revision !== expectedRevision) {
      chain = { ok: false, code: event.revision < expectedRevision ? 'reordered' : 'missing', message: `revision ${event.revision} stands where revision ${expectedRevision} should` };
    } else if (event.prevHash !== expectedPrev) {
      chain = { ok: false, code: 'modified', message: `revision ${event.revision} does not follow the event stored before it: one of them was rewritten` };
    }
    const isCase = event.streamId.startsWith(CASE_STREAM_PREFIX);
    return {
      revision: String(event.revision),
      position: String(event.position),
      eventId: event.id,
      chain,
      ...(isCase ? publisherOutcomes(event, options) : { signature: { ok: true }, schema: { ok: true } }),
    };
  });
}

/** The kid in a compact JWS's protected header, if it can be read. */
function keyIdOf(jws: string): string | undefined {
  try {
    const header = JSON.parse(Buffer.from(jws.split('.')[0] ?? '', 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header.kid === 'string' ? header.kid.slice(0, 128) : undefined;
  } catch {
    return undefined;
  }
}
