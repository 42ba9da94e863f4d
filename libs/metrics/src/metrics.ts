import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/** The target's metrics, injectable anywhere as METRICS; served at GET /metrics. */
export const METRICS = Symbol('METRICS');

/**
 * One Prometheus registry per running target (never prom-client's global one: tests run many
 * targets in one process). Each component registers its own metrics here; asking twice for
 * the same name returns the metric already registered, so components composed into one hub
 * share a family instead of colliding.
 *
 * Naming (https://prometheus.io/docs/practices/naming/): `passerelle_` prefix, the unit in
 * the name (`_seconds`, `_positions`, `_events`), `_total` on counters. Labels take values
 * from bounded sets only — an organization of the federation, a rejection code, a topic —
 * never a case id, an event id or anything about a citizen.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(options: { process?: boolean } = {}) {
    // CPU, memory, event-loop lag, GC, handles: prom-client's standard process metrics.
    if (options.process ?? true) {
      collectDefaultMetrics({ register: this.registry });
      // Gauges named like counters, which promtool (rightly) refuses; their per-type
      // breakdowns (nodejs_active_handles{type}, …) say the same.
      for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
    }
  }

  counter<L extends string>(config: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
    return (this.registry.getSingleMetric(config.name) as Counter<L> | undefined) ?? new Counter({ ...config, registers: [this.registry] });
  }

  gauge<L extends string>(config: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
    return (this.registry.getSingleMetric(config.name) as Gauge<L> | undefined) ?? new Gauge({ ...config, registers: [this.registry] });
  }

  histogram<L extends string>(config: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
    return (this.registry.getSingleMetric(config.name) as Histogram<L> | undefined) ?? new Histogram({ ...config, registers: [this.registry] });
  }

  /** The text exposition format, as Prometheus scrapes it. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

/** Latency buckets (seconds) for work that takes from a millisecond to tens of seconds. */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Size buckets (events or messages per batch), powers of two up to the followers' batch size. */
export const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
