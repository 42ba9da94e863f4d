import { jcs } from '@passerelle/canonical-json';

/**
 * Attributes the hub adds when it commits an event: envelope v3's (COMMIT_ATTRIBUTES of
 * @passerelle/contracts), then v2's names for the first two (a spec keeps them equal). The
 * publisher signs before they exist, so they are left out of what is signed, under either
 * version's names: an event relayed under v2 verifies as one relayed under v3. Leaving out
 * `sequence` and `position` costs nothing: no envelope version lets a publisher send them.
 * Everything else is covered.
 */
export const UNSIGNED_ATTRIBUTES = ['caserevision', 'logposition', 'prevhash', 'hash', 'sequence', 'position'] as const;

const unsigned: ReadonlySet<string> = new Set(UNSIGNED_ATTRIBUTES);

/**
 * The bytes a publisher signs: RFC 8785 (JCS) of the envelope without the commit attributes
 * and without unset attributes: the CloudEvents JSON format reads an attribute whose value is
 * null as unset, so `"subject": null` and no subject are one event and sign alike.
 * JCS makes the bytes independent of key order and number formatting, so the hub can re-serialize
 * an event (store it as jsonb, relay it through Kafka) and the signature still holds.
 * The envelope must be JSON data (as parsed from JSON); NaN and Infinity are refused.
 */
export function canonicalEventBytes(envelope: object): Uint8Array {
  const signed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(envelope)) {
    if (!unsigned.has(name) && (value !== null || name === 'data')) signed[name] = value;
  }
  const text = jcs(signed);
  if (text === undefined) throw new TypeError('the envelope cannot be canonicalized');
  return Buffer.from(text, 'utf8');
}
