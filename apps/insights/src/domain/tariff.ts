import type { Channel } from '@passerelle/contracts';
import { ALL_CHANNELS } from './facts';

/**
 * The operator's tariff: a unit cost per contact for each organization and channel, each
 * with its validity period (days, `validTo` exclusive). Periods of one organization and
 * channel follow each other without gap or overlap; only the last may stay open.
 */
export interface TariffEntry {
  organization: string;
  channel: Channel;
  unitCost: number;
  validFrom: string;
  validTo?: string;
}

export interface Tariff {
  currency: string;
  entries: TariffEntry[];
}

export type TariffCheck = { ok: true; tariff: Tariff } | { ok: false; field: string; message: string };

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ORGANIZATION = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

export const isDay = (value: unknown): value is string => typeof value === 'string' && DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;

/** Checks a declared tariff; the first problem found names its field. */
export function checkTariff(input: unknown): TariffCheck {
  const bad = (field: string, message: string): TariffCheck => ({ ok: false, field, message });
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return bad('', 'a tariff is an object { currency, entries }');
  const { currency, entries, ...rest } = input as Record<string, unknown>;
  const extra = Object.keys(rest)[0];
  if (extra !== undefined) return bad(extra, `${extra} is not part of a tariff: give currency and entries`);
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) return bad('currency', 'currency must be an ISO 4217 code, e.g. CAD');
  if (!Array.isArray(entries) || entries.length === 0 || entries.length > 5000) return bad('entries', 'entries must list from 1 to 5000 unit costs');
  const checked: TariffEntry[] = [];
  for (const [i, raw] of entries.entries()) {
    const at = `entries[${i}]`;
    if (typeof raw !== 'object' || raw === null) return bad(at, `${at} must be an object`);
    const { organization, channel, unitCost, validFrom, validTo, ...more } = raw as Record<string, unknown>;
    const unknown = Object.keys(more)[0];
    if (unknown !== undefined) return bad(`${at}.${unknown}`, `${unknown} is not part of a tariff entry`);
    if (typeof organization !== 'string' || !ORGANIZATION.test(organization)) return bad(`${at}.organization`, `${at}.organization must be an organization id, e.g. qc.ramq`);
    if (!ALL_CHANNELS.includes(channel as Channel)) return bad(`${at}.channel`, `${at}.channel must be one of ${ALL_CHANNELS.join(', ')}`);
    if (typeof unitCost !== 'number' || !Number.isFinite(unitCost)) return bad(`${at}.unitCost`, `${at}.unitCost must be a number`);
    if (unitCost < 0) return bad(`${at}.unitCost`, `${at}.unitCost is ${unitCost}: a cost cannot be negative`);
    if (unitCost > 1_000_000) return bad(`${at}.unitCost`, `${at}.unitCost is over 1,000,000 per contact`);
    if (!isDay(validFrom)) return bad(`${at}.validFrom`, `${at}.validFrom must be a day, YYYY-MM-DD`);
    if (validTo !== undefined && !isDay(validTo)) return bad(`${at}.validTo`, `${at}.validTo must be a day, YYYY-MM-DD, or absent (open-ended)`);
    if (validTo !== undefined && (validTo as string) <= validFrom) return bad(`${at}.validTo`, `${at}.validTo (${String(validTo)}) must come after validFrom (${validFrom})`);
    checked.push({ organization, channel: channel as Channel, unitCost, validFrom, ...(validTo === undefined ? {} : { validTo: validTo as string }) });
  }
  const series = new Map<string, number[]>();
  checked.forEach((e, i) => series.set(`${e.organization}|${e.channel}`, [...(series.get(`${e.organization}|${e.channel}`) ?? []), i]));
  for (const [key, indexes] of series) {
    const ordered = [...indexes].sort((a, b) => (checked[a]!.validFrom < checked[b]!.validFrom ? -1 : 1));
    for (let n = 1; n < ordered.length; n++) {
      const before = checked[ordered[n - 1]!]!;
      const after = checked[ordered[n]!]!;
      const field = `entries[${ordered[n]}].validFrom`;
      const [organization, channel] = key.split('|');
      if (before.validTo === undefined || after.validFrom < before.validTo) {
        return bad(field, `${field} (${after.validFrom}) overlaps entries[${ordered[n - 1]}] for ${organization} by ${channel}, valid from ${before.validFrom}${before.validTo ? ` to ${before.validTo}` : ' with no end'}`);
      }
      if (after.validFrom > before.validTo) {
        return bad(field, `${field} (${after.validFrom}) leaves a gap after entries[${ordered[n - 1]}] for ${organization} by ${channel}, which ends ${before.validTo}`);
      }
    }
  }
  return { ok: true, tariff: { currency, entries: checked } };
}

/** The unit cost of one contact with `organization` by `channel` on `day`, if the tariff has one. */
export function unitCost(tariff: Tariff, organization: string, channel: string, day: string): number | undefined {
  return tariff.entries.find((e) => e.organization === organization && e.channel === channel && e.validFrom <= day && (e.validTo === undefined || day < e.validTo))?.unitCost;
}
