import { createHmac } from 'node:crypto';

/** What marks a hub-issued pairwise pseudonym; anything else is an organization's own reference. */
export const PSEUDONYM_PREFIX = 'ps-';

/**
 * An organization's pairwise pseudonym of a citizen: HMAC-SHA-256 of the hub-side citizen id
 * under that organization's secret, base64url (46 characters with the prefix, within the
 * schemas' pseudonym pattern). Stable for one organization; unlinkable across organizations
 * without the secrets, which only the hub holds.
 */
export function pseudonymOf(secret: Uint8Array, citizenId: string): string {
  return PSEUDONYM_PREFIX + createHmac('sha256', secret).update(citizenId, 'utf8').digest('base64url');
}

export function isHubPseudonym(value: string): boolean {
  return value.startsWith(PSEUDONYM_PREFIX);
}
