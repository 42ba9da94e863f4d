import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { defaultSchemasDir, denialStatusOf, inboundTopic, readSchemaDirectory, receiptsTopic, RegisteredValidator, type Receipt, type RejectedReceipt } from '@passerelle/contracts';
import { SQL_DATABASE, type SqlDatabase } from '@passerelle/database';
import { EVENT_SIGNATURE_VERIFIER, FEDERATION_DIRECTORY, TOKEN_VERIFIER, type EventSignatureVerifier, type FederationDirectory, type TokenVerifier } from '@passerelle/identity';
import { MESSAGE_BUS, subscribeToTopicSet, type IncomingMessage, type MessageBus, type OutgoingMessage, type Subscription } from '@passerelle/messaging';
import { describeKafkaMessage, ParkingLot, PoisonGuard, restoreKafkaMessage } from '@passerelle/parking';
import { AccessDenials, PLATFORM_CONFIG, type DeniedAttempt, type PlatformConfig } from '@passerelle/platform';
import { RecordCaseEvents, type Outcome, type Submission } from '../record-case-events/record-case-events.command';
import { LedgerMetrics } from '../ledger.metrics';
import { RejectionLog } from '../rejections/rejection-log';
import { failSpan, startSpan, traceHeaders, withSpan } from '@passerelle/telemetry';
import { screen, type Screened } from './screening';

/**
 * Consumes every publisher's inbound topic (the set follows the federation), turns each batch
 * into stored events and receipts, and lets the bus commit the batch only once every receipt
 * is recorded and published. A crash anywhere before that redelivers the batch; the store
 * answers redelivered events with their original position, so receipts repeat, events do not.
 */
/** Inbound partitions whose batches one ledger handles at once. */
const PARTITIONS_AT_ONCE = 4;

@Injectable()
export class InboundConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboundConsumer.name);
  private subscription: Subscription | undefined;
  private replays: { stop(): Promise<void> } | undefined;
  private validator!: RegisteredValidator;

  constructor(
    @Inject(MESSAGE_BUS) private readonly bus: MessageBus,
    @Inject(SQL_DATABASE) private readonly db: SqlDatabase,
    @Inject(FEDERATION_DIRECTORY) private readonly directory: FederationDirectory,
    @Inject(TOKEN_VERIFIER) private readonly tokens: TokenVerifier,
    @Inject(EVENT_SIGNATURE_VERIFIER) private readonly signatures: EventSignatureVerifier,
    @Inject(PLATFORM_CONFIG) private readonly config: PlatformConfig,
    private readonly commands: CommandBus,
    private readonly rejections: RejectionLog,
    private readonly metrics: LedgerMetrics,
    private readonly denials: AccessDenials,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Versions registered through the registry become valid here within a few seconds.
    this.validator = await RegisteredValidator.open(this.db, await readSchemaDirectory(defaultSchemasDir()), {
      maxBytes: this.config.http.maxBodyBytes,
      refreshMs: 5_000,
      onError: (err) => this.logger.warn({ err }, 'could not refresh the schemas'),
    });
    const groupId = `${this.config.groupPrefix}-ledger`;
    // A message that cannot be recorded (after bounded retries) is parked rather than retried
    // for ever: its case waits behind it, the other cases go on; an operator replays it.
    const guard = new PoisonGuard<IncomingMessage>({
      component: groupId,
      lot: await ParkingLot.open(this.db),
      process: (messages) => this.handleBatch(messages),
      describe: describeKafkaMessage,
      restore: restoreKafkaMessage,
      onParked: (m) => this.logger.error({ parked: m.id, caseId: m.caseId, source: m.source, error: m.error }, `an inbound message was parked: ${m.error.message}`),
      onReplayed: (m) => this.logger.log({ parked: m.id, caseId: m.caseId }, 'a parked inbound message was replayed'),
    });
    this.replays = guard.replayEvery(1_000, (err) => this.logger.error({ err }, 'could not replay parked messages; trying again'));
    this.subscription = await subscribeToTopicSet(this.bus, {
      groupId,
      fromBeginning: true,
      topics: () => this.directory.organizations().filter((o) => o.roles.includes('publisher')).map((o) => inboundTopic(o.id)),
      refreshMs: 2_000,
      handleBatch: (messages) => guard.handle(messages),
      // A batch spends most of its time waiting on PostgreSQL and the broker: batches of other
      // partitions (other cases) are decided meanwhile. One case's order holds within its partition.
      partitionsConcurrently: PARTITIONS_AT_ONCE,
      onError: (err) => this.logger.warn({ err }, 'could not follow the inbound topics; retrying'),
    });
    this.logger.log({ group: groupId }, 'ledger consuming inbound topics');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.replays?.stop();
    this.validator?.close();
    await this.subscription?.close();
  }

  /** One batch: screen, record per case, then log, record and publish every receipt. */
  async handleBatch(messages: IncomingMessage[]): Promise<void> {
    this.metrics.batch(messages);
    // One span per message, in the trace its headers carry (the gateway's, or a publisher's own).
    const spans = messages.map((m) => startSpan(`process ${m.topic}`, { role: 'consumer', parent: m.headers, attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': m.topic } }));
    try {
      const screened = await Promise.all(
        messages.map((m) =>
          screen(m, { tokens: this.tokens, signatures: this.signatures, validator: () => this.validator.validator(), maxBytes: this.config.http.maxBodyBytes, now: () => new Date() }),
        ),
      );
      screened.forEach((s, i) => {
        const traceparent = traceHeaders(spans[i]).traceparent;
        if (s.kind === 'submission' && traceparent) s.submission.traceparent = traceparent;
      });
      const receipts = (await this.record(screened)).map(printable);
      const rejected = receipts.flatMap((receipt, i) => (receipt.status === 'rejected' ? [{ receipt, message: ref(messages[i]!) }] : []));
      await this.rejections.record(rejected);
      await this.denials.record(rejected.flatMap(({ receipt, message }) => denied(receipt, message)));
      await this.publish(receipts);
      this.metrics.receipts(receipts);
      receipts.forEach((receipt, i) => {
        const span = spans[i]!;
        span.setAttribute('passerelle.receipt', receipt.status);
        if (receipt.status !== 'rejected') return;
        failSpan(span, receipt.code);
        withSpan(span, () => this.logger.log({ organization: receipt.organization, eventId: receipt.eventId, code: receipt.code }, `rejected: ${receipt.reason}`));
      });
      spans.forEach((span) => span.end());
    } catch (err) {
      spans.forEach((span) => {
        failSpan(span, 'not recorded; tried again, then parked');
        span.end();
      });
      // Tried again (bounded) by the guard, then parked, never swallowed.
      this.logger.error({ err, messages: messages.length, topic: messages[0]?.topic }, 'could not record a batch of inbound events');
      throw err;
    }
  }

  /** Records each case's submissions in order, all cases in one go; one receipt per message. */
  private async record(screened: Screened[]): Promise<Receipt[]> {
    const receipts: Array<Receipt | undefined> = screened.map((s) => (s.kind === 'rejected' ? s.receipt : undefined));
    const byCase = new Map<string, Array<{ index: number; submission: Submission; organization: string }>>();
    screened.forEach((s, index) => {
      if (s.kind !== 'submission') return;
      const group = byCase.get(s.caseId) ?? [];
      group.push({ index, submission: s.submission, organization: s.organization });
      byCase.set(s.caseId, group);
    });
    const cases = [...byCase.entries()];
    const outcomes = await this.commands.execute(new RecordCaseEvents(cases.map(([caseId, group]) => ({ caseId, submissions: group.map((g) => g.submission) }))));
    cases.forEach(([caseId, group], c) => group.forEach((g, i) => (receipts[g.index] = toReceipt(caseId, g.organization, g.submission, outcomes[c]![i]!))));
    return receipts.map((r) => r!);
  }

  private async publish(receipts: readonly Receipt[]): Promise<void> {
    const byTopic = new Map<string, OutgoingMessage[]>();
    for (const receipt of receipts) {
      if (!receipt.organization) continue; // not from an inbound topic: nobody to answer
      const topic = receiptsTopic(receipt.organization);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: receipt.caseId, value: JSON.stringify(receipt), headers: { 'content-type': 'application/json' } });
      byTopic.set(topic, list);
    }
    await Promise.all([...byTopic].map(([topic, list]) => this.bus.publish(topic, list)));
  }
}

function toReceipt(caseId: string, organization: string, submission: Submission, outcome: Outcome): Receipt {
  const base = {
    eventId: submission.envelope.id,
    caseId,
    organization,
    receivedAt: submission.receivedAt,
    ...(submission.submissionId ? { submissionId: submission.submissionId } : {}),
  };
  if (outcome.status === 'accepted') {
    return { ...base, status: 'accepted', revision: Number(outcome.revision), position: Number(outcome.position), hash: outcome.hash };
  }
  const rejected: RejectedReceipt = { ...base, status: 'rejected', code: outcome.code, reason: outcome.reason };
  if (outcome.pointer) rejected.errors = [{ pointer: outcome.pointer, message: outcome.reason }];
  return rejected;
}

/**
 * A receipt repeats what the publisher sent (ids, parse errors quoting its bytes): keep each
 * text short and free of NUL, which PostgreSQL cannot store, so no input can make a receipt
 * unrecordable and hold its batch back for ever.
 */
function printable<T extends Receipt>(receipt: T): T {
  const clean = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…` : text).replaceAll('\u0000', '\uFFFD');
  const out = { ...receipt } as Record<string, unknown>;
  for (const [key, value] of Object.entries(out)) if (typeof value === 'string') out[key] = clean(value, key === 'reason' ? 1_000 : 300);
  if (Array.isArray(out.errors)) out.errors = (out.errors as Array<Record<string, unknown>>).slice(0, 50).map((e) => Object.fromEntries(Object.entries(e).map(([k, v]) => [k, typeof v === 'string' ? clean(v) : v])));
  return out as T;
}

/**
 * A refusal of who may publish (token, signature, need-to-know), in the case's access log: by
 * the inbound topic's organization (only it may write there), on the case the message names.
 * Its id is the message's place in the log, so a redelivered batch records it once.
 */
function denied(receipt: RejectedReceipt, message: { topic: string; partition: number; offset: string }): DeniedAttempt[] {
  const status = denialStatusOf(receipt.code);
  if (!status || !receipt.caseId) return [];
  return [
    {
      caseId: receipt.caseId,
      id: `${message.topic}-${message.partition}-${message.offset}`,
      denial: { action: 'publish', organization: receipt.organization || null, subject: null, status, code: receipt.code, reason: receipt.reason, target: receipt.eventId ?? '(no event id)', at: receipt.receivedAt },
    },
  ];
}

function ref(message: IncomingMessage) {
  return { topic: message.topic, partition: message.partition, offset: message.offset };
}
