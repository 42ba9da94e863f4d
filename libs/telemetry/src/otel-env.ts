/** Whether and where traces go, from the standard OTEL_* variables. */
export type TracingSettings =
  | { enabled: false; reason: string }
  | { enabled: true; exporter: 'otlp'; protocol: 'http/json' | 'http/protobuf'; endpoint: string }
  | { enabled: true; exporter: 'console' };

const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'];
const PROTOCOLS = ['http/json', 'http/protobuf'] as const;
const NUMBERS = ['OTEL_BSP_SCHEDULE_DELAY', 'OTEL_BSP_EXPORT_TIMEOUT', 'OTEL_BSP_MAX_QUEUE_SIZE', 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 'OTEL_EXPORTER_OTLP_TIMEOUT', 'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT'];

/**
 * Reads the OpenTelemetry variables the hub honours (the specification's names and
 * defaults), and refuses a value that cannot be used with a message naming it and the fix:
 * a typo must not silently turn tracing off. Tracing is on when an OTLP endpoint is given
 * (`OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) or
 * `OTEL_TRACES_EXPORTER` names an exporter; off otherwise, or with `OTEL_SDK_DISABLED=true`.
 */
export function readTracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  const disabled = env.OTEL_SDK_DISABLED;
  if (disabled !== undefined && disabled !== '' && !['true', 'false'].includes(disabled.toLowerCase())) {
    throw new Error(`OTEL_SDK_DISABLED=${disabled}: use true or false`);
  }
  const sampler = env.OTEL_TRACES_SAMPLER;
  if (sampler && !SAMPLERS.includes(sampler)) throw new Error(`OTEL_TRACES_SAMPLER=${sampler} is not a sampler: use one of ${SAMPLERS.join(', ')}`);
  const ratio = env.OTEL_TRACES_SAMPLER_ARG;
  if (ratio && sampler?.endsWith('traceidratio') && !(Number(ratio) >= 0 && Number(ratio) <= 1)) {
    throw new Error(`OTEL_TRACES_SAMPLER_ARG=${ratio} is not a ratio: use a number from 0 to 1`);
  }
  for (const name of NUMBERS) {
    const raw = env[name];
    if (raw && !(Number.isInteger(Number(raw)) && Number(raw) > 0)) throw new Error(`${name}=${raw} is not a usable number: give a whole number above 0`);
  }
  const propagators = env.OTEL_PROPAGATORS;
  if (propagators && propagators.split(',').some((p) => !['tracecontext', 'baggage', 'none'].includes(p.trim()))) {
    throw new Error(`OTEL_PROPAGATORS=${propagators}: this hub propagates tracecontext (W3C traceparent) and baggage; use those or none`);
  }

  const exporter = (env.OTEL_TRACES_EXPORTER ?? '').trim();
  if (exporter && !['otlp', 'console', 'none'].includes(exporter)) throw new Error(`OTEL_TRACES_EXPORTER=${exporter} is not an exporter: use otlp, console or none`);
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT;
  for (const [name, value] of [['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces], ['OTEL_EXPORTER_OTLP_ENDPOINT', base]] as const) {
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new Error(`${name}=${value} is not a URL: give the collector's OTLP/HTTP address, e.g. http://otel-collector:4318`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${name}=${value} uses ${url.protocol}: OTLP/HTTP needs http:// or https://`);
  }
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL || env.OTEL_EXPORTER_OTLP_PROTOCOL || 'http/protobuf').trim();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported here: use http/protobuf or http/json`);
  }

  if (disabled?.toLowerCase() === 'true') return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  if (exporter === 'none') return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  if (exporter === 'console') return { enabled: true, exporter: 'console' };
  if (!exporter && !traces && !base) return { enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' };
  // The specification: a signal-specific endpoint is used as is; the base one gets /v1/traces.
  const endpoint = traces || `${(base || 'http://localhost:4318').replace(/\/+$/, '')}/v1/traces`;
  return { enabled: true, exporter: 'otlp', protocol: protocol as (typeof PROTOCOLS)[number], endpoint };
}
