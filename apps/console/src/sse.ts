import { createParser } from 'eventsource-parser';
import { send } from './api';

export interface StreamedEvent {
  id: string;
  source: string;
  type: string;
  time: string;
  channel: string;
  caseid: string;
  data: Record<string, unknown>;
  /** Envelope v3's commit attributes: the revision in the case and the position in the log, in decimal. */
  caserevision: string;
  logposition: string;
  hash: string;
}

/**
 * GET /events/stream read with fetch (an EventSource cannot send the bearer token), resumed
 * after the last event received when the connection drops. Returns a stop function.
 */
export function followEvents(after: number, onEvent: (event: StreamedEvent) => void, onStatus: (live: boolean) => void, onRefused: (status: number, message: string) => void): () => void {
  const controller = new AbortController();
  let last = after;
  void (async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await send(`/events/stream?lastEventId=${last}`, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
        if (!response.ok || !response.body) {
          const body = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
          onRefused(response.status, `${body.code ?? response.status}: ${body.message ?? response.statusText}`);
          return;
        }
        onStatus(true);
        const parser = createParser({
          onEvent: (message) => {
            // The hub ends a stream whose token expired with a last `end` event saying why.
            if (message.event === 'end') {
              const reason = JSON.parse(message.data) as { code?: string; message?: string };
              onRefused(401, `${reason.code ?? 'END'}: ${reason.message ?? ''}`);
              controller.abort();
              return;
            }
            if (message.id) last = Number(message.id);
            onEvent(JSON.parse(message.data) as StreamedEvent);
          },
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch {
        if (controller.signal.aborted) return;
      }
      onStatus(false);
      await new Promise((r) => setTimeout(r, 2000));
    }
  })();
  return () => controller.abort();
}
