import { createHash } from 'node:crypto';
import { jcs } from '@passerelle/canonical-json';

/** The `prevHash` of every stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * The link of one event in its stream's chain: SHA-256 (hex) over the previous event's hash
 * followed by the RFC 8785 (JCS) form of `{ data, metadata }`. JCS fixes key order and number
 * and string formatting, so the hash survives a round trip through jsonb or another store.
 * The type, id and positions are not hashed: they are checked against the chain's order
 * instead (revision) or belong to the store, not the event (position, recordedAt).
 */
export function chainHash(prevHash: string, data: Record<string, unknown>, metadata: Record<string, unknown>): string {
  return linkHash(prevHash, canonicalJson(data), canonicalJson(metadata));
}

/**
 * `chainHash` from the JCS texts of data and metadata, which adapters also store, so each
 * event is serialised once. JCS of `{ data, metadata }` is exactly
 * `{"data":<JCS(data)>,"metadata":<JCS(metadata)>}`: keys sorted, no whitespace.
 */
export function linkHash(prevHash: string, dataJcs: string, metadataJcs: string): string {
  // One update of the whole text: each update() is a call into the hash binding.
  return createHash('sha256').update(`${prevHash}{"data":${dataJcs},"metadata":${metadataJcs}}`).digest('hex');
}

/** JCS text of a JSON value; throws on what JSON cannot hold (NaN, Infinity, a bare undefined). */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = jcs(value);
  } catch (err) {
    throw new TypeError(`the value cannot be canonicalized as JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  if (text === undefined) throw new TypeError('the value cannot be canonicalized as JSON');
  return text;
}
