import { ConfigError } from '@passerelle/platform';

export const INSIGHTS_OPTIONS = Symbol('INSIGHTS_OPTIONS');

export interface InsightsOptions {
  /** A cell built from fewer distinct cases is suppressed. */
  k: number;
  /** Events per projection batch (one transaction each). */
  batchSize: number;
}

/**
 * PASSERELLE_INSIGHTS_K (default 5, never below 2: a cell of one case is that case) and
 * PASSERELLE_INSIGHTS_BATCH (default 500 events per transaction).
 */
export function insightsOptions(env: NodeJS.ProcessEnv = process.env): InsightsOptions {
  const read = (name: string, fallback: number, min: number, max: number, why: string): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name}=${raw}: ${why}`);
    return value;
  };
  return {
    k: read('PASSERELLE_INSIGHTS_K', 5, 2, 1000, 'give a whole number from 2 to 1000 (a cell of fewer than 2 cases would show one case)'),
    batchSize: read('PASSERELLE_INSIGHTS_BATCH', 500, 1, 10_000, 'give a whole number of events from 1 to 10000'),
  };
}
