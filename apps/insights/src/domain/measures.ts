import { DIGITAL_CHANNELS, type ContactFact, type HandoffFact, type RequestFact, type SatisfactionFact } from './facts';
import { suppress, type SuppressionReason } from './suppression';
import type { Tariff } from './tariff';

/**
 * The published measures: facts grouped into daily cells and totals, every row counted in
 * distinct cases, then suppressed below k (suppression.ts). Definitions in docs/insights.md.
 */

export const ANY = '*';

/** Nearest-rank percentile of sorted values: the value at rank ⌈p/100 · n⌉. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const round = (value: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
};

const share = (part: number, whole: number): number | null => (whole === 0 ? null : round(part / whole, 4));
const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : round(values.reduce((a, b) => a + b, 0) / values.length, 2));
const spread = (values: number[]): { p50: number; p90: number } | null => {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p90: percentile(sorted, 90) };
};

/** A tariff indexed for pricing many contacts. */
export function priceList(tariff: Tariff | null): (organization: string, channel: string, day: string) => number | undefined {
  if (!tariff) return () => undefined;
  const series = new Map<string, Tariff['entries']>();
  for (const e of tariff.entries) series.set(`${e.organization}|${e.channel}`, [...(series.get(`${e.organization}|${e.channel}`) ?? []), e]);
  return (organization, channel, day) => series.get(`${organization}|${channel}`)?.find((e) => e.validFrom <= day && (e.validTo === undefined || day < e.validTo))?.unitCost;
}

/** The cost of a decided request under the tariff, or undefined if a contact it took has no price. */
export function requestCost(fact: RequestFact, price: ReturnType<typeof priceList>): number | undefined {
  let total = 0;
  for (const [key, count] of Object.entries(fact.contacts ?? {})) {
    const [organization, channel, day] = key.split('|') as [string, string, string];
    const unit = price(organization, channel, day);
    if (unit === undefined) return undefined;
    total += unit * count;
  }
  return total;
}

interface Grouped<Key, Acc> {
  id: string;
  level: number;
  ancestors: string[];
  key: Key;
  cases: Set<string>;
  acc: Acc;
}

/** Groups items into cells (level 0) and their totals (levels 1, 2 …), given each item's keys from the finest up. */
function group<Item, Key, Acc>(items: readonly Item[], keys: (item: Item) => Key[], idOf: (key: Key) => string, caseOf: (item: Item) => string, init: () => Acc, add: (acc: Acc, item: Item) => void) {
  const rows = new Map<string, Grouped<Key, Acc>>();
  for (const item of items) {
    const chain = keys(item);
    const ids = chain.map(idOf);
    chain.forEach((key, level) => {
      const id = ids[level]!;
      let row = rows.get(id);
      if (!row) {
        row = { id, level, ancestors: ids.slice(level + 1), key, cases: new Set(), acc: init() };
        rows.set(id, row);
      }
      row.cases.add(caseOf(item));
      add(row.acc, item);
    });
  }
  return [...rows.values()];
}

/**
 * Suppresses over every level at once — so what is published at one grain cannot be undone
 * with another — then returns the cells of the level asked and the totals (the two top levels).
 */
function publish<Key, Acc, Measures>(rows: Grouped<Key, Acc>[], k: number, present: (acc: Acc, cases: number) => Measures, empty: Measures, cellLevel: number, totalLevels: readonly number[]) {
  const reasons = suppress(rows, k);
  const out = rows.map((row) => {
    const reason = reasons.get(row.id) ?? null;
    return { level: row.level, row: { ...row.key, suppressed: reason !== null, reason: reason as SuppressionReason | null, ...(reason === null ? present(row.acc, row.cases.size) : empty) } };
  });
  const order = (a: { row: Record<string, unknown> }, b: { row: Record<string, unknown> }) => {
    const x = JSON.stringify(Object.values(a.row).slice(0, 6));
    const y = JSON.stringify(Object.values(b.row).slice(0, 6));
    return x < y ? -1 : x > y ? 1 : 0;
  };
  return {
    cells: out.filter((o) => o.level === cellLevel).sort(order).map((o) => o.row),
    totals: out.filter((o) => totalLevels.includes(o.level)).sort(order).map((o) => o.row),
  };
}

// ---------------------------------------------------------------- channels

export interface CellKey {
  day: string;
  organization: string;
  service: string;
  channel: string;
  segment: string;
}
export interface TotalKey {
  day: string;
  channel: string;
}

export interface ChannelMeasures {
  cases: number | null;
  contacts: number | null;
  requests: number | null;
  digitalRequests: number | null;
  assistedRequests: number | null;
  digitalTakeUp: number | null;
  decided: number | null;
  completionRate: number | null;
  timeToDecision: { p50: number; p90: number } | null;
  satisfaction: { responses: number; mean: number | null; distribution: Record<'1' | '2' | '3' | '4' | '5', number> } | null;
  cost: { costedRequests: number; total: number; perCompletedRequest: number | null } | null;
}

export type Published<Key, Measures> = Key & { suppressed: boolean; reason: SuppressionReason | null } & Measures;

export interface ChannelFacts {
  contacts: readonly ContactFact[];
  requests: readonly RequestFact[];
  satisfaction: readonly SatisfactionFact[];
}

/** One count of a contact fact, as the cells group it. */
interface ContactItem {
  kind: 'contact';
  caseId: string;
  day: string;
  organization: string;
  channel: string;
  service: string;
  segment: string;
  count: number;
}

type Item = ContactItem | RequestFact | SatisfactionFact;

function contactItems(facts: readonly ContactFact[]): ContactItem[] {
  return facts.flatMap((f) =>
    Object.entries(f.counts).map(([key, count]) => {
      const [organization, channel, service, segment] = key.split('|') as [string, string, string, string];
      return { kind: 'contact' as const, caseId: f.caseId, day: f.day, organization, channel, service, segment, count };
    }),
  );
}

interface ChannelAcc {
  contacts: number;
  requests: number;
  digital: number;
  decided: number;
  durations: number[];
  scores: number[];
  costed: number;
  cost: number;
}

const EMPTY_CHANNEL: ChannelMeasures = {
  cases: null,
  contacts: null,
  requests: null,
  digitalRequests: null,
  assistedRequests: null,
  digitalTakeUp: null,
  decided: null,
  completionRate: null,
  timeToDecision: null,
  satisfaction: null,
  cost: null,
};

/**
 * How finely cells are cut: by segment (day × organization × service × channel × segment),
 * by service (segments together), or by organization (services together). Each grain adds up
 * into the next, and all into the federation-wide totals.
 */
export const GRAINS = ['segment', 'service', 'organization'] as const;
export type Grain = (typeof GRAINS)[number];
const GRAIN_LEVEL: Record<Grain, number> = { segment: 0, service: 1, organization: 2 };
const TOTAL_LEVELS = [3, 4];

const cellKeys = (f: Item): Array<CellKey | TotalKey> => [
  { day: f.day, organization: f.organization, service: f.service, channel: f.channel, segment: f.segment },
  { day: f.day, organization: f.organization, service: f.service, channel: f.channel, segment: ANY },
  { day: f.day, organization: f.organization, service: ANY, channel: f.channel, segment: ANY },
  { day: f.day, channel: f.channel },
  { day: f.day, channel: ANY },
];
const cellId = (key: CellKey | TotalKey): string => ('organization' in key ? `c|${key.day}|${key.organization}|${key.service}|${key.channel}|${key.segment}` : `t|${key.day}|${key.channel}`);

export function channelMeasures(facts: ChannelFacts, tariff: Tariff | null, k: number, grain: Grain = 'segment'): { cells: Published<CellKey, ChannelMeasures>[]; totals: Published<TotalKey, ChannelMeasures>[] } {
  const price = priceList(tariff);
  const items: Item[] = [...contactItems(facts.contacts), ...facts.requests, ...facts.satisfaction];
  const rows = group<Item, CellKey | TotalKey, ChannelAcc>(
    items,
    cellKeys,
    cellId,
    (f) => f.caseId,
    () => ({ contacts: 0, requests: 0, digital: 0, decided: 0, durations: [], scores: [], costed: 0, cost: 0 }),
    (acc, f) => {
      switch (f.kind) {
        case 'contact':
          acc.contacts += f.count;
          break;
        case 'request': {
          acc.requests += 1;
          if (DIGITAL_CHANNELS.includes(f.channel)) acc.digital += 1;
          if (f.decidedAt !== null) {
            acc.decided += 1;
            acc.durations.push(Math.round((f.decidedAt - f.requestedAt) / 1000));
            const cost = requestCost(f, price);
            if (cost !== undefined) {
              acc.costed += 1;
              acc.cost += cost;
            }
          }
          break;
        }
        case 'satisfaction':
          acc.scores.push(f.score);
          break;
        default: {
          const unhandled: never = f;
          throw new Error(`unhandled fact ${JSON.stringify(unhandled)}`);
        }
      }
    },
  );
  const published = publish(rows, k, presentChannel, EMPTY_CHANNEL, GRAIN_LEVEL[grain], TOTAL_LEVELS);
  return published as unknown as { cells: Published<CellKey, ChannelMeasures>[]; totals: Published<TotalKey, ChannelMeasures>[] };
}

function presentChannel(acc: ChannelAcc, cases: number): ChannelMeasures {
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  for (const s of acc.scores) distribution[String(s) as keyof typeof distribution] += 1;
  return {
    cases,
    contacts: acc.contacts,
    requests: acc.requests,
    digitalRequests: acc.digital,
    assistedRequests: acc.requests - acc.digital,
    digitalTakeUp: share(acc.digital, acc.requests),
    decided: acc.decided,
    completionRate: share(acc.decided, acc.requests),
    timeToDecision: spread(acc.durations),
    satisfaction: { responses: acc.scores.length, mean: mean(acc.scores), distribution },
    cost: { costedRequests: acc.costed, total: round(acc.cost, 2), perCompletedRequest: acc.costed === 0 ? null : round(acc.cost / acc.costed, 2) },
  };
}

// ---------------------------------------------------------------- journeys

export interface JourneyMeasures {
  cases: number | null;
  decided: number | null;
  channels: { mean: number | null; distribution: Record<'1' | '2' | '3' | '4+', number> } | null;
  switchedShare: number | null;
  repeatContacts: { mean: number | null; p50: number; p90: number } | null;
}

const EMPTY_JOURNEY: JourneyMeasures = { cases: null, decided: null, channels: null, switchedShare: null, repeatContacts: null };

interface JourneyAcc {
  channels: number[];
  repeats: number[];
}

/** Over decided requests only, in the day of the request. */
export function journeyMeasures(requests: readonly RequestFact[], k: number, grain: Grain = 'segment'): { cells: Published<CellKey, JourneyMeasures>[]; totals: Published<TotalKey, JourneyMeasures>[] } {
  const decided = requests.filter((r) => r.decidedAt !== null);
  const rows = group<RequestFact, CellKey | TotalKey, JourneyAcc>(
    decided,
    cellKeys,
    cellId,
    (f) => f.caseId,
    () => ({ channels: [], repeats: [] }),
    (acc, f) => {
      acc.channels.push(f.channels!);
      acc.repeats.push(f.repeatContacts!);
    },
  );
  const present = (acc: JourneyAcc, cases: number): JourneyMeasures => {
    const distribution = { '1': 0, '2': 0, '3': 0, '4+': 0 };
    for (const n of acc.channels) distribution[n >= 4 ? '4+' : (String(n) as '1' | '2' | '3')] += 1;
    const repeats = spread(acc.repeats)!;
    return {
      cases,
      decided: acc.channels.length,
      channels: { mean: mean(acc.channels), distribution },
      switchedShare: share(acc.channels.filter((n) => n > 1).length, acc.channels.length),
      repeatContacts: { mean: mean(acc.repeats), ...repeats },
    };
  };
  return publish(rows, k, present, EMPTY_JOURNEY, GRAIN_LEVEL[grain], TOTAL_LEVELS) as unknown as { cells: Published<CellKey, JourneyMeasures>[]; totals: Published<TotalKey, JourneyMeasures>[] };
}

// ---------------------------------------------------------------- hand-offs

export interface HandoffKey {
  day: string;
  from: string;
  to: string;
  kind: string;
}
export interface HandoffTotalKey {
  day: string;
  kind: string;
}
export interface HandoffMeasures {
  cases: number | null;
  handoffs: number | null;
  pickedUp: number | null;
  waiting: number | null;
  wait: { p50: number; p90: number } | null;
}

const EMPTY_HANDOFF: HandoffMeasures = { cases: null, handoffs: null, pickedUp: null, waiting: null, wait: null };

export function handoffMeasures(facts: readonly HandoffFact[], k: number): { cells: Published<HandoffKey, HandoffMeasures>[]; totals: Published<HandoffTotalKey, HandoffMeasures>[] } {
  const rows = group<HandoffFact, HandoffKey | HandoffTotalKey, { total: number; waits: number[] }>(
    facts,
    (f) => [
      { day: f.day, from: f.from, to: f.to, kind: f.handoff },
      { day: f.day, kind: f.handoff },
      { day: f.day, kind: ANY },
    ],
    (key) => ('from' in key ? `h|${key.day}|${key.from}|${key.to}|${key.kind}` : `t|${key.day}|${key.kind}`),
    (f) => f.caseId,
    () => ({ total: 0, waits: [] }),
    (acc, f) => {
      acc.total += 1;
      if (f.pickedUpAt !== null) acc.waits.push(Math.round((f.pickedUpAt - f.at) / 1000));
    },
  );
  const present = (acc: { total: number; waits: number[] }, cases: number): HandoffMeasures => ({
    cases,
    handoffs: acc.total,
    pickedUp: acc.waits.length,
    waiting: acc.total - acc.waits.length,
    wait: spread(acc.waits),
  });
  return publish(rows, k, present, EMPTY_HANDOFF, 0, [1, 2]) as unknown as { cells: Published<HandoffKey, HandoffMeasures>[]; totals: Published<HandoffTotalKey, HandoffMeasures>[] };
}
