// @passerelle/telemetry: OpenTelemetry traces across HTTP and Kafka. Import from here only.
export { readTracingSettings, type TracingSettings } from './otel-env';
export { startTracing, type Tracing, type TracingLog } from './otel/node-sdk';
export { failSpan, startSpan, traced, traceFields, traceHeaders, withSpan, type SpanOptions, type SpanRole, type TraceCarrier } from './spans';
export type { Span } from '@opentelemetry/api';
