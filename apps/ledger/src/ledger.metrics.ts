import { Inject, Injectable } from '@nestjs/common';
import { parseTopic, type Receipt } from '@passerelle/contracts';
import { BATCH_SIZE_BUCKETS, LATENCY_BUCKETS_SECONDS, METRICS, type Metrics } from '@passerelle/metrics';
import type { IncomingMessage } from '@passerelle/messaging';

/**
 * What the ledger counts: events in, their outcome, the store's append. Labels: the
 * publishing organization (a federation member) and the rejection code (a fixed list).
 */
@Injectable()
export class LedgerMetrics {
  private readonly received;
  private readonly accepted;
  private readonly rejected;
  private readonly appendSeconds;
  private readonly appendEvents;

  constructor(@Inject(METRICS) metrics: Metrics) {
    this.received = metrics.counter({ name: 'passerelle_events_received_total', help: 'Inbound messages the ledger took from publishers’ topics', labelNames: ['organization'] });
    this.accepted = metrics.counter({ name: 'passerelle_events_accepted_total', help: 'Inbound events answered with an accepted receipt (redeliveries included)', labelNames: ['organization'] });
    this.rejected = metrics.counter({ name: 'passerelle_events_rejected_total', help: 'Inbound events answered with a rejected receipt, by code', labelNames: ['organization', 'code'] });
    this.appendSeconds = metrics.histogram({ name: 'passerelle_event_store_append_duration_seconds', help: 'Time of one append of a ledger batch to the event store', buckets: LATENCY_BUCKETS_SECONDS });
    this.appendEvents = metrics.histogram({ name: 'passerelle_event_store_append_batch_events', help: 'Events written by one append of a ledger batch', buckets: BATCH_SIZE_BUCKETS });
  }

  batch(messages: readonly IncomingMessage[]): void {
    for (const message of messages) this.received.inc({ organization: parseTopic(message.topic)?.organization ?? 'unknown' });
  }

  receipts(receipts: readonly Receipt[]): void {
    for (const receipt of receipts) {
      const organization = receipt.organization || 'unknown';
      if (receipt.status === 'accepted') this.accepted.inc({ organization });
      else this.rejected.inc({ organization, code: receipt.code });
    }
  }

  /** Call before an append; the returned function records it once done. */
  append(events: number): () => void {
    const end = this.appendSeconds.startTimer();
    return () => {
      end();
      this.appendEvents.observe(events);
    };
  }
}
