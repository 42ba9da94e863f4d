import type { Gauge } from 'prom-client';
import type { Metrics } from './metrics';

/** What a follower of the log reports as it moves. */
export interface FollowerProgress {
  /** The follower has made durable its effect up to `position` (its checkpoint); never moves back. */
  advanced(position: bigint): void;
  /** The follower (re)starts from `position` (its checkpoint read, or 0 for a rebuild). */
  startsFrom(position: bigint): void;
}

/** Per registry: how to refresh each follower's lag when Prometheus scrapes. */
const followers = new WeakMap<Metrics, { lag: Gauge<'follower'>; refresh: Map<string, () => Promise<void>> }>();

function lagFamily(metrics: Metrics) {
  let family = followers.get(metrics);
  if (!family) {
    const refresh = new Map<string, () => Promise<void>>();
    const lag = metrics.gauge({
      name: 'passerelle_log_follower_lag_positions',
      help: 'Log positions between the newest event in the store and what a follower (relay, projection) has handled',
      labelNames: ['follower'],
      // Measured when scraped, so an idle hub costs nothing and the figure is never stale.
      collect: async () => {
        await Promise.all([...refresh.values()].map((read) => read()));
      },
    });
    family = { lag, refresh };
    followers.set(metrics, family);
  }
  return family;
}

/**
 * Lag of a reader of the global log — the relay, a projection (views, insights) — in
 * positions behind the log's newest event, measured at scrape time against `head` (the
 * store's last position). A growing lag means it falls behind; a lag above zero whose
 * position does not move means it is stalled (deploy/prometheus/alerts.yml says both).
 *
 * Once per follower: `const progress = followerProgress(metrics, 'views', () => store.lastPosition())`;
 * `progress.startsFrom(checkpoint)` where it reads its checkpoint, and
 * `progress.advanced(batch.at(-1)!.position)` after each batch is durable.
 */
export function followerProgress(metrics: Metrics, follower: string, head: () => Promise<bigint>): FollowerProgress {
  let position: bigint | undefined;
  const positionGauge = metrics.gauge({
    name: 'passerelle_log_follower_position',
    help: 'Global log position up to which a follower (relay, projection) has made its effect durable',
    labelNames: ['follower'],
  });
  const { lag, refresh } = lagFamily(metrics);
  refresh.set(follower, async () => {
    let newest: bigint;
    try {
      newest = await head();
    } catch {
      return; // the store does not answer: keep the last figure (readiness says why)
    }
    // Before its first batch a follower has handled nothing we know of: all is ahead of it.
    const handled = position ?? 0n;
    lag.set({ follower }, Number(newest > handled ? newest - handled : 0n));
  });
  return {
    advanced(next: bigint) {
      if (position !== undefined && next <= position) return;
      position = next;
      positionGauge.set({ follower }, Number(next));
    },
    startsFrom(from: bigint) {
      position = from;
      positionGauge.set({ follower }, Number(from));
    },
  };
}
