import { type CitizenKeys, type CitizenKey } from './citizen-keys';
import { openFields, sealFields } from './personal-fields';
import { PrivacyError } from './privacy.errors';

/**
 * What the hub records beside an event whose personal fields it sealed (in the event's
 * metadata, so the hash chain covers it): whose key sealed them, which fields, and that the
 * publisher's signature over the plaintext was verified at receipt, with which key.
 */
export interface PersonalMetadata {
  /** The citizen whose data key sealed the fields (see `citizenOfCase`). */
  citizen: string;
  /** Pointers into the envelope of the sealed fields. */
  fields: string[];
  /**
   * The publisher's signature was verified over the plaintext before sealing, with this key
   * (the `kid` of the signature's header): what stays provable once the plaintext is gone.
   */
  signatureVerified: { kid: string | null };
}

/** A stored event as far as opening it goes. */
export interface SealedEventLike {
  id: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

export const personalMetadataOf = (event: Pick<SealedEventLike, 'metadata'>): PersonalMetadata | undefined => {
  const personal = event.metadata.personal as PersonalMetadata | undefined;
  return personal && typeof personal.citizen === 'string' && Array.isArray(personal.fields) ? personal : undefined;
};

/**
 * Seals personal fields at ingest and opens them for readers: the one place that holds
 * citizens' data keys. Every open asks the key table (no cache of keys), so an erasure takes
 * effect for every reader at once.
 */
export class PersonalData {
  constructor(readonly keys: CitizenKeys) {}

  /**
   * Seals each envelope's present personal fields under its citizen's key (made on first
   * use). An envelope with nothing to seal comes back as it is, with no metadata. A citizen
   * whose data was erased gets no new key: PRIVACY.CITIZEN_ERASED for that item.
   */
  async seal<T extends object>(items: ReadonlyArray<{ eventId: string; citizen: string | undefined; envelope: T; fields: readonly string[]; kid: string | null }>): Promise<Array<{ envelope: T; personal?: PersonalMetadata } | { error: PrivacyError }>> {
    const needing = items.filter((i) => i.fields.length > 0 && i.citizen !== undefined && i.fields.some((f) => present(i.envelope, f)));
    const keys = await this.keys.ensure(needing.map((i) => i.citizen!));
    const sealing = new Set(needing);
    return items.map((item) => {
      if (!sealing.has(item)) return { envelope: item.envelope };
      const key = keys.get(item.citizen!);
      if (key?.state !== 'live') return { error: new PrivacyError('PRIVACY.CITIZEN_ERASED', `the personal data of citizen ${item.citizen} was erased (${key?.state === 'erased' ? key.erasure.eventId : 'no key'}): the hub records no new personal data of theirs`) };
      const { envelope, sealed } = sealFields(item.envelope, item.eventId, item.fields, key.key);
      return { envelope, personal: { citizen: item.citizen!, fields: sealed, signatureVerified: { kid: item.kid } } };
    });
  }

  /**
   * The events with their sealed fields opened — or marked `{ "$erased": true }` when their
   * citizen's key was destroyed. Events without sealed fields come back as they are.
   */
  async open<E extends SealedEventLike>(events: readonly E[], options: { unreadable?: 'throw' | 'mark' } = {}): Promise<E[]> {
    const sealed = events.filter((e) => personalMetadataOf(e));
    if (sealed.length === 0) return [...events];
    const keys = await this.keys.lookup(sealed.map((e) => personalMetadataOf(e)!.citizen));
    return events.map((event) => {
      const personal = personalMetadataOf(event);
      if (!personal) return event;
      return { ...event, data: openFields(event.data, event.id, personal.fields, keyOf(keys.get(personal.citizen)), options.unreadable) };
    });
  }

  /** Whether each sealed event's citizen key is gone (for auditors: which events must be judged by the record of receipt). */
  async erasedCitizens(citizens: readonly string[]): Promise<Set<string>> {
    const keys = await this.keys.lookup(citizens);
    return new Set([...new Set(citizens)].filter((c) => keys.get(c)?.state !== 'live'));
  }
}

/** A key that is not live (erased, or never known) opens nothing: the fields read as erased. */
const keyOf = (key: CitizenKey | undefined): Buffer | 'erased' => (key?.state === 'live' ? key.key : 'erased');

function present(envelope: object, pointer: string): boolean {
  let at: unknown = envelope;
  for (const part of pointer.split('/').slice(1).map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))) {
    if (typeof at !== 'object' || at === null || !Object.hasOwn(at, part)) return false;
    at = (at as Record<string, unknown>)[part];
  }
  return at !== undefined;
}
