import type { RecordedEvent } from '@passerelle/event-store';
import type { IncomingMessage } from '@passerelle/messaging';
import { storableText, type ParkedMessage } from './parking-lot';
import type { ParkedDescription } from './poison-guard';

/** A store event as parked: its stream is its case; the bytes are the recorded event as JSON. */
export function describeStoreEvent(event: RecordedEvent): ParkedDescription {
  const value = JSON.stringify({ ...event, revision: String(event.revision), position: String(event.position), recordedAt: event.recordedAt.toISOString() });
  return { source: { kind: 'store', position: String(event.position), streamId: event.streamId }, caseId: event.streamId, key: event.id, value: Buffer.from(value), headers: {} };
}

export function restoreStoreEvent(message: ParkedMessage): RecordedEvent {
  const raw = JSON.parse(message.value.toString('utf8')) as Omit<RecordedEvent, 'revision' | 'position' | 'recordedAt'> & { revision: string; position: string; recordedAt: string };
  return { ...raw, revision: BigInt(raw.revision), position: BigInt(raw.position), recordedAt: new Date(raw.recordedAt) };
}

/** A Kafka record as parked: its key (the case id) is its case; the bytes and headers as received. */
export function describeKafkaMessage(message: IncomingMessage): ParkedDescription {
  return {
    source: { kind: 'kafka', topic: message.topic, partition: message.partition, offset: message.offset },
    // As the parking lot can keep them (no NUL), so the case a message holds back is the one looked up.
    caseId: message.key === null ? null : storableText(message.key),
    key: message.key === null ? null : storableText(message.key),
    value: message.value,
    headers: message.headers,
  };
}

export function restoreKafkaMessage(message: ParkedMessage): IncomingMessage {
  if (message.source.kind !== 'kafka') throw new TypeError(`parked message ${message.id} did not come from Kafka`);
  return {
    topic: message.source.topic,
    partition: message.source.partition,
    offset: message.source.offset,
    key: message.key,
    value: message.value,
    headers: message.headers,
    timestamp: Date.parse(message.parkedAt),
  };
}
