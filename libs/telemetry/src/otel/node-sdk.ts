// The one file that talks to the OpenTelemetry SDK and its OTLP exporters.
// The SDK and the exporters are loaded only when tracing is on: loading them costs about half
// a second of CPU at every start, which a process that does not trace should not pay.
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { TracingSettings } from '../otel-env';

/** Where tracing reports its own state: one line when it starts failing, one when it recovers. */
export interface TracingLog {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

export interface Tracing {
  /** Flushes what is queued, within a bound: an absent collector never holds up a shutdown. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_BOUND_MS = 2_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Starts the OpenTelemetry SDK for this process: W3C trace context, the sampler of
 * OTEL_TRACES_SAMPLER, spans batched to the OTLP endpoint in the background (the SDK's
 * BatchSpanProcessor: bounded queue, spans dropped rather than waited for). No automatic
 * instrumentation: the hub opens its own spans where an event crosses a boundary.
 */
export async function startTracing(service: string, settings: TracingSettings, log: TracingLog, env: NodeJS.ProcessEnv = process.env): Promise<Tracing> {
  if (!settings.enabled) return { shutdown: async () => undefined };
  const [{ ExportResultCode, setGlobalErrorHandler, W3CBaggagePropagator, W3CTraceContextPropagator, CompositePropagator }, { NodeSDK }, { ConsoleSpanExporter }] = await Promise.all([
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/sdk-trace'),
  ]);
  const { OTLPTraceExporter: OtlpJsonExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
  const { OTLPTraceExporter: OtlpProtobufExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
  const inner: SpanExporter =
    settings.exporter === 'console'
      ? new ConsoleSpanExporter()
      : settings.protocol === 'http/json'
        ? new OtlpJsonExporter({ url: settings.endpoint })
        : new OtlpProtobufExporter({ url: settings.endpoint });
  const where = settings.exporter === 'console' ? 'the console' : settings.endpoint;
  // The SDK's own complaints (each failed export) would repeat endlessly; the exporter
  // wrapper below says it once per outage instead.
  setGlobalErrorHandler(() => undefined);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || `passerelle-${service}`,
    traceExporter: new ReportingExporter(inner, where, log, ExportResultCode.SUCCESS),
    textMapPropagator: new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
    instrumentations: [],
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  log.info(`traces: exported to ${where}`, { exporter: settings.exporter, ...(settings.exporter === 'otlp' ? { protocol: settings.protocol } : {}) });
  if (settings.exporter === 'otlp') void probe(settings.endpoint, log);
  return {
    shutdown: async () => {
      await Promise.race([sdk.shutdown().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, SHUTDOWN_BOUND_MS).unref())]);
    },
  };
}

/** At start, in the background: does anything answer at the endpoint? One line if not. */
async function probe(endpoint: string, log: TracingLog): Promise<void> {
  try {
    await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"resourceSpans":[]}', signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    log.warn(`traces: the OTLP endpoint ${endpoint} does not answer (${cause}): spans are dropped until it does; the exchange goes on`, { endpoint });
  }
}

/** Says when exports start failing and when they work again, once each, never per batch. */
class ReportingExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly where: string,
    private readonly log: TracingLog,
    private readonly success: number,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== this.success && !this.failing) {
        this.failing = true;
        this.log.warn(`traces: could not export spans to ${this.where} (${result.error?.message ?? 'failed'}); dropping them until it answers`);
      } else if (result.code === this.success && this.failing) {
        this.failing = false;
        this.log.info(`traces: exporting to ${this.where} again`);
      }
      done(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}
