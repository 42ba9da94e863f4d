import { BadRequestException, Body, Controller, Headers, HttpStatus, Inject, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { EXCHANGE_HEADERS, inboundTopic, STRUCTURED_CONTENT_TYPE, type Receipt } from '@passerelle/contracts';
import type { VerifiedCaller } from '@passerelle/identity';
import { MESSAGE_BUS, type MessageBus } from '@passerelle/messaging';
import { LATENCY_BUCKETS_SECONDS, METRICS, type Metrics } from '@passerelle/metrics';
import { Caller, PLATFORM_CONFIG, RequireRole, type PlatformConfig } from '@passerelle/platform';
import { traced, traceHeaders } from '@passerelle/telemetry';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ReceiptBook } from '../receipts/receipt-book';
import { statusOfRejection } from './rejection-status';

const text = { type: 'string' } as const;
/** The envelope's attributes, for client generators; the JSON Schema under schemas/ says the rest. */
const ENVELOPE_BODY = {
  type: 'object',
  required: ['specversion', 'id', 'source', 'type', 'time', 'datacontenttype', 'dataschema', 'data', 'caseid', 'channel', 'actor', 'dataclassification'],
  properties: {
    specversion: { type: 'string', enum: ['1.0'] },
    id: text,
    source: { type: 'string', description: 'urn:passerelle:org:<organizationId>' },
    type: { type: 'string', description: 'passerelle.<context>.<EventType>.v<N>' },
    subject: { ...text, nullable: true },
    time: { type: 'string', format: 'date-time' },
    datacontenttype: { type: 'string', description: 'application/json, parameters allowed' },
    dataschema: text,
    data: { type: 'object', additionalProperties: true },
    caseid: text,
    channel: { type: 'string', enum: ['counter', 'phone', 'web', 'mobile', 'mail', 'email', 'sms', 'chat'] },
    actor: text,
    correlationid: { ...text, nullable: true },
    causationid: { ...text, nullable: true },
    dataclassification: { type: 'string', enum: ['public', 'internal', 'personal', 'confidential'] },
    partitionkey: { ...text, nullable: true },
    traceparent: { ...text, nullable: true },
    tracestate: { ...text, nullable: true },
  },
  additionalProperties: false,
};
const RECEIPT = {
  type: 'object',
  required: ['eventId', 'caseId', 'organization', 'receivedAt', 'status'],
  properties: {
    eventId: { ...text, nullable: true },
    caseId: { ...text, nullable: true },
    organization: text,
    receivedAt: { type: 'string', format: 'date-time' },
    status: { type: 'string', enum: ['accepted', 'rejected'] },
    revision: { type: 'integer' },
    position: { type: 'integer' },
    hash: text,
    code: text,
    reason: text,
  },
};
const PENDING = { type: 'object', properties: { status: { type: 'string', enum: ['pending'] }, eventId: text, receipt: text, message: text } };

@ApiTags('gateway')
@ApiBearerAuth()
@Controller('cases')
export class PublishController {
  private readonly receiptWait;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly receipts: ReceiptBook,
    @Inject(METRICS) metrics: Metrics,
  ) {
    this.receiptWait = metrics.histogram({
      name: 'passerelle_gateway_receipt_wait_seconds',
      help: 'Time an HTTP publisher waited for its receipt, from publishing on the bus to the answer (timeout: answered 202)',
      labelNames: ['outcome'],
      buckets: LATENCY_BUCKETS_SECONDS,
    });
  }

  /**
   * Publishes a signed envelope on the caller's inbound topic, exactly as a Kafka publisher
   * would, and answers with its receipt: the ledger decides, not the gateway.
   */
  @Post(':caseId/events')
  @RequireRole('publisher')
  @ApiOperation({ summary: 'Publish a signed case event (CloudEvents JSON) and wait for its receipt' })
  @ApiHeader({ name: 'Passerelle-Signature', required: true, description: 'the detached JWS over the envelope (docs/identity.md)' })
  @ApiHeader({ name: 'If-Match', required: false, description: 'the case revision the publisher last saw, e.g. "3": refused with 412 if the case moved on' })
  @ApiBody({ description: 'a CloudEvents 1.0 envelope; schemas/envelope/v3.schema.json is the authority (patterns, the data schema of each type)', schema: ENVELOPE_BODY })
  @ApiResponse({ status: 201, description: 'accepted: the receipt, with revision, position and hash', schema: RECEIPT })
  @ApiResponse({ status: 202, description: 'no receipt yet within the timeout: ask the receipt URL later', schema: PENDING })
  @ApiResponse({ status: 412, description: 'CASE.REVISION_CONFLICT: If-Match is stale' })
  async publish(
    @Caller() caller: VerifiedCaller,
    @Param('caseId') caseId: string,
    @Body() body: unknown,
    @Res({ passthrough: true }) response: Response,
    @Headers('authorization') authorization: string,
    @Headers('passerelle-signature') signature?: string,
    @Headers('if-match') ifMatch?: string,
    @Headers('traceparent') traceparent?: string,
    @Headers('tracestate') tracestate?: string,
  ): Promise<Receipt | Record<string, unknown>> {
    // The publisher's own trace continues here (W3C traceparent), on the bus, and beyond.
    return traced('POST /cases/{caseId}/events', { role: 'server', parent: { traceparent, tracestate }, attributes: { 'passerelle.organization': caller.organization.id } }, () =>
      this.publishTraced(caller, caseId, body, response, authorization, signature, ifMatch),
    );
  }

  private async publishTraced(
    caller: VerifiedCaller,
    caseId: string,
    body: unknown,
    response: Response,
    authorization: string,
    signature?: string,
    ifMatch?: string,
  ): Promise<Receipt | Record<string, unknown>> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad('REQUEST.NOT_AN_ENVELOPE', 'the body must be a CloudEvents envelope (a JSON object)');
    const envelope = body as Record<string, unknown>;
    if (envelope.caseid !== caseId) throw bad('REQUEST.CASE_MISMATCH', `the envelope's caseid ${JSON.stringify(envelope.caseid)} is not the case of the URL (${caseId})`);
    const expected = ifMatch === undefined ? undefined : /^(?:W\/)?"?(\d{1,18})"?$/.exec(ifMatch.trim())?.[1];
    if (ifMatch !== undefined && expected === undefined) throw bad('REQUEST.INVALID_IF_MATCH', `If-Match must be a case revision such as "3", not ${JSON.stringify(ifMatch.slice(0, 40))}`);

    const submissionId = randomUUID();
    const headers: Record<string, string> = {
      'content-type': STRUCTURED_CONTENT_TYPE,
      [EXCHANGE_HEADERS.authorization]: authorization,
      [EXCHANGE_HEADERS.submission]: submissionId,
    };
    if (signature !== undefined) headers[EXCHANGE_HEADERS.signature] = signature;
    if (expected !== undefined) headers[EXCHANGE_HEADERS.expectedRevision] = expected;
    const topic = inboundTopic(caller.organization.id);
    // The waiter is in place before the message leaves (waitFor sends it); the timer covers
    // the send and the wait for the receipt, the span the send itself.
    const waited = this.receiptWait.startTimer();
    const receipt = await this.receipts.waitFor(submissionId, this.config.receiptTimeoutMs, () =>
      traced(`send ${topic}`, { role: 'producer', attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': topic } }, () =>
        this.bus.publish(topic, [{ key: caseId, value: JSON.stringify(envelope), headers: { ...headers, ...traceHeaders() } }]),
      ),
    );
    waited({ outcome: receipt?.status ?? 'timeout' });
    const eventId = typeof envelope.id === 'string' ? envelope.id : undefined;
    const location = eventId ? `/receipts/${encodeURIComponent(eventId)}` : undefined;
    if (location) response.setHeader('Location', location);
    if (!receipt) {
      response.status(HttpStatus.ACCEPTED);
      return { status: 'pending', eventId, receipt: location, message: `no receipt within ${this.config.receiptTimeoutMs / 1000} s; the event is being processed: ask ${location ?? 'again'}` };
    }
    if (receipt.status === 'accepted') {
      response.status(HttpStatus.CREATED);
      response.setHeader('ETag', `"${receipt.revision}"`);
      return receipt;
    }
    response.status(statusOfRejection(receipt.code));
    return { ...receipt, message: receipt.reason };
  }
}

function bad(code: string, message: string): BadRequestException {
  return new BadRequestException({ code, message });
}
