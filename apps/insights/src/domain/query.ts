import type { Channel } from '@passerelle/contracts';
import { ALL_CHANNELS, NO_SEGMENT } from './facts';
import { GRAINS, type Grain } from './measures';
import { isDay } from './tariff';

/** The longest range one question may cover, in days. */
export const MAX_RANGE_DAYS = 366;

export interface InsightsFilter {
  from: string;
  to: string;
  organization?: string;
  service?: string;
  channel?: Channel;
  segment?: string;
  /** How finely cells are cut (channels and journeys); default service. */
  grain: Grain;
}

export type FilterCheck = { ok: true; filter: InsightsFilter } | { ok: false; field: string; message: string };

const SEGMENT = /^(unspecified|(individual|business)(\/(\*|0-17|18-24|25-44|45-64|65\+)(\/(\*|[a-z]{2}-[a-z0-9]{1,3}))?)?)$/;

/**
 * Checks the query's filters against what exists: a day range that is bounded, ordered and
 * at most a year; an organization of the federation; a service seen in the log; a channel;
 * a segment in the catalogue's shape. The first problem names its field.
 */
export function checkFilter(query: Record<string, unknown>, known: { organizations: readonly string[]; services: readonly string[] }, allowed: readonly string[] = ['from', 'to', 'organization', 'service', 'channel', 'segment', 'grain']): FilterCheck {
  const bad = (field: string, message: string): FilterCheck => ({ ok: false, field, message });
  for (const [name, value] of Object.entries(query)) {
    if (!allowed.includes(name)) return bad(name, `${name} is not a filter here: use ${allowed.join(', ')}`);
    if (typeof value !== 'string') return bad(name, `${name} is given more than once`);
  }
  const { from, to, organization, service, channel, segment, grain = 'service' } = query as Record<string, string | undefined>;
  if (from === undefined) return bad('from', 'from (the first day, YYYY-MM-DD) is required: a range is always bounded');
  if (!isDay(from)) return bad('from', `from must be a day, YYYY-MM-DD, not ${JSON.stringify(String(from).slice(0, 40))}`);
  if (to === undefined) return bad('to', 'to (the last day, YYYY-MM-DD, included) is required: a range is always bounded');
  if (!isDay(to)) return bad('to', `to must be a day, YYYY-MM-DD, not ${JSON.stringify(String(to).slice(0, 40))}`);
  if (to < from) return bad('to', `to (${to}) comes before from (${from})`);
  const days = (Date.parse(to) - Date.parse(from)) / 86_400_000 + 1;
  if (days > MAX_RANGE_DAYS) return bad('to', `the range covers ${days} days; ask for at most ${MAX_RANGE_DAYS} at a time`);
  if (organization !== undefined && !known.organizations.includes(organization)) return bad('organization', `${JSON.stringify(organization.slice(0, 64))} is not a member organization`);
  if (service !== undefined && !known.services.includes(service)) return bad('service', `no service ${JSON.stringify(service.slice(0, 64))} was ever requested`);
  if (channel !== undefined && !ALL_CHANNELS.includes(channel as Channel)) return bad('channel', `channel must be one of ${ALL_CHANNELS.join(', ')}`);
  if (segment !== undefined && !SEGMENT.test(segment)) {
    return bad('segment', `segment must be ${NO_SEGMENT}, or audience[/ageBand[/region]] such as individual, business/*/qc-06 or individual/65+ (ageBand 0-17, 18-24, 25-44, 45-64, 65+)`);
  }
  if (!GRAINS.includes(grain as Grain)) return bad('grain', `grain must be one of ${GRAINS.join(', ')}`);
  // A rolled-up cell holds every segment (or service): it cannot be selected by one.
  if (segment !== undefined && grain !== 'segment') return bad('segment', 'a segment selects cells cut by segment: add grain=segment');
  if (service !== undefined && grain === 'organization') return bad('service', 'a service selects cells cut by service or segment: use grain=service or grain=segment');
  return { ok: true, filter: { from, to, organization, service, channel: channel as Channel | undefined, segment, grain: grain as Grain } };
}

/** Whether a cell's segment key (audience/ageBand/region) is selected by a segment filter: the parts given must match. */
export function segmentMatches(key: string, filter: string): boolean {
  const wanted = filter.split('/');
  const parts = key.split('/');
  return wanted.every((part, i) => parts[i] === part);
}

/** Who asks: an organization sees its own cells; the operator and auditors see every one. */
export interface Viewer {
  organization: string;
  all: boolean;
}

export function cellVisible(viewer: Viewer, cell: { organization?: string; from?: string; to?: string }): boolean {
  if (viewer.all) return true;
  return cell.organization === viewer.organization || cell.from === viewer.organization || cell.to === viewer.organization;
}

export function selectCells<Cell extends { day: string; organization?: string; service?: string; channel?: string; segment?: string; from?: string; to?: string }>(cells: readonly Cell[], filter: InsightsFilter, viewer: Viewer): Cell[] {
  return cells.filter(
    (c) =>
      c.day >= filter.from &&
      c.day <= filter.to &&
      cellVisible(viewer, c) &&
      (filter.organization === undefined || c.organization === filter.organization || c.from === filter.organization || c.to === filter.organization) &&
      (filter.service === undefined || c.service === filter.service) &&
      (filter.channel === undefined || c.channel === filter.channel) &&
      (filter.segment === undefined || (c.segment !== undefined && segmentMatches(c.segment, filter.segment))),
  );
}
