import { eventTypeOf, parseEventType, schemaIdOf } from '../catalog/schema-id';
import { V2_COMMIT_ATTRIBUTES, type CaseEventEnvelope } from '../envelope/envelope';

/**
 * An envelope as the hub committed it under envelope v2: `sequence` and `position` as JSON
 * integers (or decimal strings, read from a binary-mode Kafka message's headers).
 */
export type CommittedEnvelopeV2 = CaseEventEnvelope & { sequence?: number | string; position?: number | string };

/** Turns the data of one version of an event type into the data of the next version. */
export interface Upcaster {
  /** e.g. passerelle.case.AddressChanged.v1 */
  from: string;
  upcast(data: Record<string, unknown>): Record<string, unknown>;
}

/**
 * AddressChanged v1 carried the address as one line; v2 structures it. What v1 never said
 * stays empty ("" locality and postal code, country "ZZ": user-assigned, meaning unknown)
 * rather than being guessed.
 */
export const addressChangedV1ToV2: Upcaster = {
  from: 'passerelle.case.AddressChanged.v1',
  upcast: (data) => ({
    citizen: data.citizen,
    // An erased address ({ "$erased": true }) stays erased: nothing of it to structure.
    address: typeof data.address === 'string' ? { line1: data.address, locality: '', postalCode: '', country: 'ZZ' } : data.address,
    effectiveFrom: data.effectiveFrom,
    source: 'citizen',
  }),
};

/**
 * ServiceRequested v2 adds an optional coarse segment. A v1 request said nothing of who
 * asked: it reads as v2 with no segment (never a guessed one).
 */
export const serviceRequestedV1ToV2: Upcaster = {
  from: 'passerelle.case.ServiceRequested.v1',
  upcast: (data) => ({ ...data }),
};

export const UPCASTERS: readonly Upcaster[] = [addressChangedV1ToV2, serviceRequestedV1ToV2];

/**
 * Brings an event to the newest version its upcasters reach, on read. Stored events are
 * never rewritten: the publisher's signature and the hash chain cover the original, so the
 * result is a new object and the input is left untouched.
 */
export function upcast(event: CaseEventEnvelope | CommittedEnvelopeV2, upcasters: readonly Upcaster[] = UPCASTERS): CaseEventEnvelope {
  let current = upcastEnvelope(event);
  for (let step = upcasters.find((u) => u.from === current.type); step; step = upcasters.find((u) => u.from === current.type)) {
    const ref = parseEventType(current.type)!;
    const next = { subject: ref.subject, version: ref.version + 1 };
    current = { ...current, type: eventTypeOf(next), dataschema: schemaIdOf(next), data: step.upcast(current.data) };
  }
  return current;
}

/** A v2 commit attribute's value, when it is a whole number ≥ 0 that v3 can carry. */
const WHOLE = /^(0|[1-9][0-9]{0,18})$/;

/**
 * Envelope v2 → v3, on read: `sequence` and `position` become `caserevision` and
 * `logposition`, in decimal. Anything else stays as it is, and so does an envelope with
 * neither (a publisher's, or one already in v3: then the very same object). A v2 value that
 * is no whole number keeps its v2 name, so validation names it instead of a guess being made.
 * Nothing is re-signed: the publisher signed the envelope without commit attributes, and
 * leaves both versions' names out of what is signed (canonicalEventBytes).
 */
export function upcastEnvelope(event: CaseEventEnvelope | CommittedEnvelopeV2): CaseEventEnvelope {
  const legacy = event as CommittedEnvelopeV2;
  if (legacy.sequence === undefined && legacy.position === undefined) return event;
  const current: Record<string, unknown> = { ...legacy };
  for (const [v2, v3] of Object.entries(V2_COMMIT_ATTRIBUTES) as Array<[keyof typeof V2_COMMIT_ATTRIBUTES, string]>) {
    const value = legacy[v2];
    if (value === undefined || current[v3] !== undefined) continue;
    const decimal = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : typeof value === 'string' ? value : undefined;
    if (decimal === undefined || !WHOLE.test(decimal)) continue;
    delete current[v2];
    current[v3] = decimal;
  }
  return current as unknown as CaseEventEnvelope;
}
