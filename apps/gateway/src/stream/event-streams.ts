import { Inject, Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { CitizenDirectory } from '@passerelle/citizens';
import { CASE_STREAM_PREFIX, caseEventMetadata, committedEnvelope } from '@passerelle/contracts';
import { EVENT_STORE, STORED_EVENT_STORE, type EventStore, type RecordedEvent } from '@passerelle/event-store';
import { METRICS, type Metrics } from '@passerelle/metrics';
import { AccessDenials, AccessReads } from '@passerelle/platform';
import type { Response } from 'express';
import { LogFanout, type LiveQueue } from './log-fanout';
import { PurposeGate, type StreamReader } from './purpose-gate';

const HEARTBEAT_MS = 15_000;
/** Events per read while a stream catches up from the store. */
const PAGE = 500;
/** setTimeout's longest delay (about 24.8 days); a longer-lived token is checked again then. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Why a stream ended, from the hub's side. */
export type StreamEnd = 'client-gone' | 'token-expired' | 'shutdown';

/**
 * Server-Sent Events of what an organization is entitled to receive — its outbound events —
 * read from the store, so a client resumes exactly after the last event it got (`id` is the
 * event's global position; send it back as Last-Event-ID). A stream first catches up from the
 * store at its own pace, then takes live events from the one shared log follower; a slow
 * client waits for its own socket to drain and holds up nobody else. A stream ends when the
 * client goes away (even while its socket is backed up), when the application stops, or when
 * the caller's token expires — then with a final `event: end` saying so. A stream is bound to
 * the purpose its reader stated (PurposeGate): events of a case no grant of its serves it for
 * are left out.
 */
@Injectable()
export class EventStreams implements OnModuleDestroy {
  private readonly logger = new Logger(EventStreams.name);
  /** Each stream being served: how to stop it, and its end. */
  private readonly open = new Map<(why: StreamEnd) => void, Promise<unknown>>();

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // What a stream's purpose gate folds (grants) holds no personal field: read as stored, nothing opened.
    @Inject(STORED_EVENT_STORE) private readonly stored: EventStore,
    private readonly fanout: LogFanout,
    @Inject(METRICS) metrics: Metrics,
    private readonly reads: AccessReads,
    private readonly denials: AccessDenials,
    @Optional() private readonly citizens?: CitizenDirectory,
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

  /** Streams being served now. */
  serving(): number {
    return this.open.size;
  }

  /** Streams until the client goes away, the token expires or the application stops; says which. */
  serve(reader: StreamReader, after: bigint, expiresAt: Date, response: Response, onClose: (listener: () => void) => void): Promise<StreamEnd> {
    let stop!: (why: StreamEnd) => void;
    const done = this.stream(reader, after, expiresAt, response, onClose, (s) => {
      stop = s;
    });
    this.open.set(stop, done);
    return done.finally(() => this.open.delete(stop));
  }

  private async stream(
    reader: StreamReader,
    after: bigint,
    expiresAt: Date,
    response: Response,
    onClose: (listener: () => void) => void,
    register: (stop: (why: StreamEnd) => void) => void,
  ): Promise<StreamEnd> {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(': stream of case events; id is the global position\n\n');

    // Every wait below races with this: a stream blocked on a backed-up socket, on the store or
    // on the live queue ends as soon as the client goes, the token expires or the hub stops.
    let end!: (why: StreamEnd) => void;
    const ended = new Promise<StreamEnd>((resolve) => (end = resolve));
    let why: StreamEnd | undefined;
    const stop = (reason: StreamEnd) => {
      why ??= reason;
      end(why);
    };
    register(stop);
    onClose(() => stop('client-gone'));
    const heartbeat = setInterval(() => response.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const expiry = this.expiryTimer(expiresAt, () => stop('token-expired'));

    const send = async (frame: string): Promise<boolean> => {
      if (why) return false;
      if (!response.write(frame)) await Promise.race([new Promise<void>((resolve) => response.once('drain', resolve)), ended]);
      return !why;
    };
    const { organization } = reader;
    const gate = new PurposeGate(this.stored, reader, this.reads, this.denials);
    const live: { queue?: LiveQueue } = {};
    try {
      let position = after;
      for (;;) {
        // Catch up from the store; the first time through, and after falling behind the fan-out.
        for (;;) {
          const page = await Promise.race([this.store.readAll({ fromPosition: position, limit: PAGE, filter: { streamPrefix: CASE_STREAM_PREFIX } }), ended]);
          if (typeof page === 'string') return page;
          for (const event of page) {
            if (!(await this.sendEvent(organization, gate, event, send))) return why!;
            position = event.position;
          }
          if (page.length < PAGE) break;
        }
        // Listen, then read the store once more: what was committed before listening is read,
        // what comes after is handed, and the overlap is skipped by position.
        if (!live.queue) {
          live.queue = this.fanout.listen(organization, position);
          continue;
        }
        for (;;) {
          const taken = await Promise.race([live.queue.take(), ended]);
          if (typeof taken === 'string') {
            if (taken !== 'overflow') return taken;
            live.queue = undefined; // it fell behind: back to the store, at its own pace
            break;
          }
          for (const event of taken) {
            if (event.position <= position) continue;
            if (!(await this.sendEvent(organization, gate, event, send))) return why!;
            position = event.position;
          }
        }
      }
    } catch (err) {
      if (!response.destroyed) this.logger.error({ err, organization }, 'an event stream failed; the client reconnects with Last-Event-ID');
      return 'client-gone';
    } finally {
      live.queue?.close();
      clearInterval(heartbeat);
      clearTimeout(expiry.timer);
      if (why === 'token-expired' && !response.destroyed) {
        const reason = { code: 'TOKEN.EXPIRED', message: `the token expired at ${expiresAt.toISOString()}; reconnect with a new token and Last-Event-ID` };
        response.write(`event: end\ndata: ${JSON.stringify(reason)}\n\n`);
      }
      response.end();
    }
  }

  private async sendEvent(organization: string, gate: PurposeGate, event: RecordedEvent, send: (frame: string) => Promise<boolean>): Promise<boolean> {
    if (!caseEventMetadata(event).audience.includes(organization)) return true;
    if (!(await gate.admits(event))) return true;
    const committed = committedEnvelope(event);
    // The citizen as this organization knows it: its own pairwise pseudonym (the store keeps what was signed).
    const envelope = this.citizens ? { ...committed, data: await this.citizens.presentData(organization, caseEventMetadata(event).publisher, committed.data) } : committed;
    return send(`id: ${event.position}\nevent: ${envelope.type}\ndata: ${JSON.stringify(envelope)}\n\n`);
  }

  private expiryTimer(expiresAt: Date, onExpiry: () => void): { timer?: NodeJS.Timeout } {
    const holder: { timer?: NodeJS.Timeout } = {};
    const arm = () => {
      const left = expiresAt.getTime() - Date.now();
      if (left <= 0) return onExpiry();
      holder.timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    arm();
    return holder;
  }

  /** Ends every stream, so the HTTP server can close. */
  async onModuleDestroy(): Promise<void> {
    const ends = [...this.open];
    for (const [stop] of ends) stop('shutdown');
    await Promise.allSettled(ends.map(([, done]) => done));
  }
}
