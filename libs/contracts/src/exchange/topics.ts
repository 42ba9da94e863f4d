/**
 * The topic layout every organization and every hub component shares. Each organization has
 * three topics; the key of every message is the case id, so one case keeps its order.
 */
export type TopicKind = 'inbound' | 'outbound' | 'receipts';

/** Where an organization publishes its signed case events. */
export const inboundTopic = (organization: string): string => `passerelle.inbound.${organization}`;
/** Where an organization receives the committed events it is entitled to. */
export const outboundTopic = (organization: string): string => `passerelle.outbound.${organization}`;
/** Where an organization learns whether each event it published was accepted. */
export const receiptsTopic = (organization: string): string => `passerelle.receipts.${organization}`;

const TOPIC = /^passerelle\.(inbound|outbound|receipts)\.([a-z][a-z0-9-]*(?:\.[a-z][a-z0-9-]*)*)$/;

/** The kind and organization a topic name encodes, or null for a name outside the layout. */
export function parseTopic(topic: string): { kind: TopicKind; organization: string } | null {
  const match = TOPIC.exec(topic);
  return match ? { kind: match[1] as TopicKind, organization: match[2]! } : null;
}

/**
 * Kafka headers (and their HTTP equivalents) that travel beside an inbound event:
 * - `authorization`: `Bearer <token>` of the publishing organization (HTTP: Authorization);
 * - `passerelle-signature`: the publisher's detached JWS over the envelope (HTTP: Passerelle-Signature);
 * - `passerelle-expected-revision`: optional; the case revision the publisher last saw, for
 *   optimistic concurrency (HTTP: If-Match).
 * - `passerelle-submission`: optional; an id the sender picks, echoed in the receipt, so one
 *   sending of an event can be told from another (the gateway waits on it).
 * On outbound events, `passerelle-signature` carries the publisher's signature on.
 */
export const EXCHANGE_HEADERS = {
  authorization: 'authorization',
  signature: 'passerelle-signature',
  expectedRevision: 'passerelle-expected-revision',
  submission: 'passerelle-submission',
} as const;
