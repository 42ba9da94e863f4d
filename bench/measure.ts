import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

export interface Figure {
  /** e.g. "validate" */
  benchmark: string;
  /** what is measured, e.g. "events/s" */
  unit: string;
  /** median of the rounds */
  value: number;
  /** every round, to show the spread */
  rounds: number[];
  baseline?: { name: string; value: number; rounds: number[] };
  /** value / baseline (for a rate: above 1 is faster than the baseline) */
  ratio?: number;
  goal?: { ratio?: number; value?: number; lowerIsBetter?: boolean };
  note?: string;
}

export interface RateOptions {
  warmupRounds?: number;
  rounds?: number;
}

/** Runs `round` (which processes `items` things) several times; returns items per second per round. */
export async function rates(items: number, round: () => unknown | Promise<unknown>, options: RateOptions = {}): Promise<number[]> {
  for (let i = 0; i < (options.warmupRounds ?? 2); i++) await round();
  const result: number[] = [];
  for (let i = 0; i < (options.rounds ?? 7); i++) {
    const start = performance.now();
    await round();
    result.push(items / ((performance.now() - start) / 1000));
  }
  return result;
}

/**
 * Measures the project's code and its baseline alternately, round by round, so noise from a
 * shared machine lands on both alike; the ratio compares medians.
 */
export async function compare(
  benchmark: string,
  unit: string,
  items: number,
  subject: () => unknown | Promise<unknown>,
  baseline: { name: string; run: () => unknown | Promise<unknown> },
  options: RateOptions & { goalRatio?: number; note?: string } = {},
): Promise<Figure> {
  const [figure] = await compareWith(benchmark, unit, items, subject, [{ ...baseline, goalRatio: options.goalRatio, note: options.note }], options);
  return figure!;
}

/**
 * The project's code against several baselines (a raw floor, a peer library), every one run
 * once per round in turn, so each ratio is a same-run, same-noise ratio: one figure per
 * baseline, all sharing the subject's rounds.
 */
export async function compareWith(
  benchmark: string,
  unit: string,
  items: number,
  subject: () => unknown | Promise<unknown>,
  baselines: ReadonlyArray<{ name: string; run: () => unknown | Promise<unknown>; goalRatio?: number; note?: string; label?: string }>,
  options: RateOptions = {},
): Promise<Figure[]> {
  const ours: number[] = [];
  const theirs = baselines.map((): number[] => []);
  for (let i = 0; i < (options.warmupRounds ?? 2); i++) {
    await subject();
    for (const b of baselines) await b.run();
  }
  for (let i = 0; i < (options.rounds ?? 7); i++) {
    ours.push(...(await rates(items, subject, { warmupRounds: 0, rounds: 1 })));
    for (const [k, b] of baselines.entries()) theirs[k]!.push(...(await rates(items, b.run, { warmupRounds: 0, rounds: 1 })));
  }
  const value = median(ours);
  return baselines.map((b, k) => {
    const base = median(theirs[k]!);
    return {
      benchmark: b.label === undefined ? benchmark : `${benchmark} ${b.label}`,
      unit,
      value,
      rounds: ours,
      baseline: { name: b.name, value: base, rounds: theirs[k]! },
      ratio: value / base,
      goal: b.goalRatio === undefined ? undefined : { ratio: b.goalRatio },
      note: b.note,
    };
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile of sorted values: the value at rank ⌈p/100 · n⌉ (NaN when there are none). */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** p50 and p99 of latencies in ms, as two figures named after `name`. */
export function latencyFigures(name: string, latencies: readonly number[]): Figure[] {
  const sorted = [...latencies].sort((x, y) => x - y);
  return [50, 99].map((p) => ({ benchmark: `${name} p${p}`, unit: 'ms', value: percentile(sorted, p), rounds: [percentile(sorted, p)] }));
}

/** min–max around the median, as a percentage of it */
export function spread(values: number[]): string {
  const m = median(values);
  return `±${((Math.max(m - Math.min(...values), Math.max(...values) - m) / m) * 100).toFixed(0)}%`;
}

export function machine(extra: Record<string, string> = {}): Record<string, string> {
  return {
    cores: String(cpus().length),
    cpu: cpus()[0]?.model ?? 'unknown',
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    ...extra,
  };
}

/** What one variant of an A/B comparison measured: its median rate and the rates behind it. */
export interface Measured {
  rate: number;
  perSecond: number[];
}

/** The figure of an A/B comparison in events/s: ours against a baseline measured in the same rounds. */
export function comparedFigure(benchmark: string, ours: Measured, baseline: string, theirs: Measured, note: string, goal?: Figure['goal']): Figure {
  return {
    benchmark,
    unit: 'events/s',
    value: ours.rate,
    rounds: ours.perSecond,
    baseline: { name: baseline, value: theirs.rate, rounds: theirs.perSecond },
    ratio: ours.rate / theirs.rate,
    goal,
    note,
  };
}
