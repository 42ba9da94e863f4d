import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope } from '@passerelle/contracts';
import { EVENT_STORE, type AllSubscription, type EventStore } from '@passerelle/event-store';
import { METRICS, type Metrics } from '@passerelle/metrics';
import type { Response } from 'express';
import { once } from 'node:events';

const HEARTBEAT_MS = 15_000;

/**
 * Server-Sent Events of what an organization is entitled to receive — its outbound events —
 * read from the store, so a client resumes exactly after the last event it got (`id` is the
 * event's global position; send it back as Last-Event-ID). Each connection reads at its own
 * pace: a slow client waits for its own socket to drain and holds up nobody else.
 */
@Injectable()
export class EventStreams implements OnModuleDestroy {
  private readonly logger = new Logger(EventStreams.name);
  private readonly open = new Set<{ subscription: AllSubscription; response: Response }>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(METRICS) metrics: Metrics,
  ) {
    const open = this.open;
    metrics.gauge({ name: 'passerelle_gateway_sse_clients', help: 'Server-Sent Events streams open at the gateway', collect() { this.set(open.size); } });
  }

  /** Whether `position` is one this hub handed out (an event stands there). */
  async exists(position: bigint): Promise<boolean> {
    if (position === 0n) return true;
    const [event] = await this.store.readAll({ fromPosition: position - 1n, limit: 1 });
    return event?.position === position;
  }

  /** Streams until the client goes away or the application stops. */
  async serve(organization: string, after: bigint, response: Response, onClose: (listener: () => void) => void): Promise<void> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(': stream of case events; id is the global position\n\n');

    const subscription = this.store.subscribeToAll({ fromPosition: after, filter: { streamPrefix: CASE_STREAM_PREFIX } });
    const entry = { subscription, response };
    this.open.add(entry);
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    onClose(() => void subscription.close());
    try {
      for await (const event of subscription) {
        if (!caseEventMetadata(event).audience.includes(organization)) continue;
        const envelope = committedEnvelope(event);
        const frame = `id: ${event.position}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`;
        if (!response.write(frame)) await once(response, 'drain');
      }
    } catch (err) {
      if (!response.destroyed) this.logger.error({ err, organization }, 'an event stream failed; the client reconnects with Last-Event-ID');
    } finally {
      clearInterval(heartbeat);
      this.open.delete(entry);
      response.end();
    }
  }

  /** Ends every stream, so the HTTP server can close. */
  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.open].map(async ({ subscription, response }) => {
      await subscription.close();
      response.end();
    }));
  }
}
