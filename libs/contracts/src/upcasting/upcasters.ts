import { eventTypeOf, parseEventType, schemaIdOf } from '../catalog/schema-id';
import type { CaseEventEnvelope } from '../envelope/envelope';

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
export function upcast(event: CaseEventEnvelope, upcasters: readonly Upcaster[] = UPCASTERS): CaseEventEnvelope {
  let current = event;
  for (let step = upcasters.find((u) => u.from === current.type); step; step = upcasters.find((u) => u.from === current.type)) {
    const ref = parseEventType(current.type)!;
    const next = { subject: ref.subject, version: ref.version + 1 };
    current = { ...current, type: eventTypeOf(next), dataschema: schemaIdOf(next), data: step.upcast(current.data) };
  }
  return current;
}
