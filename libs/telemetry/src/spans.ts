import { context, propagation, SpanKind, SpanStatusCode, trace, type Context, type Span } from '@opentelemetry/api';

const tracer = () => trace.getTracer('passerelle');

/** Trace context as message headers carry it: `traceparent` (W3C), maybe `tracestate`. */
export type TraceCarrier = Record<string, string | undefined>;

export type SpanRole = 'server' | 'client' | 'producer' | 'consumer' | 'internal';
const KINDS: Record<SpanRole, SpanKind> = { server: SpanKind.SERVER, client: SpanKind.CLIENT, producer: SpanKind.PRODUCER, consumer: SpanKind.CONSUMER, internal: SpanKind.INTERNAL };

function parentContext(parent: TraceCarrier | string | undefined): Context {
  if (parent === undefined) return context.active();
  const carrier = typeof parent === 'string' ? { traceparent: parent } : parent;
  return propagation.extract(context.active(), carrier);
}

export interface SpanOptions {
  role?: SpanRole;
  /** Where the trace comes from (message headers, a stored traceparent); default: the active span. */
  parent?: TraceCarrier | string;
  attributes?: Record<string, string | number | boolean>;
}

/**
 * Runs `work` inside a span (active for what it calls, so logs carry its trace id), ended
 * when it settles; an error marks it failed and propagates. With tracing off this costs a
 * no-op span.
 */
export async function traced<T>(name: string, options: SpanOptions, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, { kind: KINDS[options.role ?? 'internal'], attributes: options.attributes }, parentContext(options.parent), async (span) => {
    try {
      return await work(span);
    } catch (err) {
      span.recordException(err as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Starts a span the caller ends: for work that spans a batch, one span per message's trace. */
export function startSpan(name: string, options: SpanOptions): Span {
  return tracer().startSpan(name, { kind: KINDS[options.role ?? 'internal'], attributes: options.attributes }, parentContext(options.parent));
}

/** Marks a span as failed with a reason (a rejection code), without an exception. */
export function failSpan(span: Span, message: string): void {
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** The headers that carry `span` (or the active span) to the next process; empty with tracing off. */
export function traceHeaders(span?: Span): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagation.inject(span ? trace.setSpan(context.active(), span) : context.active(), carrier);
  return carrier;
}

/** Runs `fn` with `span` active: what it logs carries the span's trace id. */
export function withSpan<T>(span: Span | undefined, fn: () => T): T {
  return span ? context.with(trace.setSpan(context.active(), span), fn) : fn();
}

/** trace_id and span_id of the active span, for log lines (pino's mixin). */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  // A non-recording, unsampled span carries no id worth following.
  if (!span.isRecording() && (traceFlags & 1) === 0) return {};
  return { trace_id: traceId, span_id: spanId };
}
