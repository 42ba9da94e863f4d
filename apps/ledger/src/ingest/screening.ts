import { EXCHANGE_HEADERS, fromKafkaMessage, organizationOf, parseTopic, type CaseEventEnvelope, type EventValidator, type RejectedReceipt } from '@passerelle/contracts';
import { IdentityError, type EventSignatureVerifier, type TokenVerifier } from '@passerelle/identity';
import type { IncomingMessage } from '@passerelle/messaging';
import { personalFields } from '@passerelle/privacy';
import { isCategory } from '../domain/case-file';
import type { Submission } from '../record-case-events/record-case-events.command';

export interface ScreeningDeps {
  tokens: TokenVerifier;
  signatures: EventSignatureVerifier;
  validator: () => EventValidator;
  maxBytes: number;
  now: () => Date;
}

export type Screened =
  | { kind: 'submission'; organization: string; caseId: string; submission: Submission }
  | { kind: 'rejected'; receipt: RejectedReceipt };

/**
 * Everything about one inbound message that needs no case: in this order, so hostile input is
 * refused as cheaply as possible — size, the topic's organization, parse, the token (who is
 * calling, for which organization), the event's claimed source, its signature, its schema.
 */
export async function screen(message: IncomingMessage, deps: ScreeningDeps): Promise<Screened> {
  const receivedAt = deps.now().toISOString();
  const topic = parseTopic(message.topic);
  const organization = topic?.organization ?? '';
  let document: Record<string, unknown> = {};
  const submission = message.headers[EXCHANGE_HEADERS.submission]?.slice(0, 128);
  const submissionId = submission ? { submissionId: submission } : {};
  const rejected = (code: string, reason: string, errors?: RejectedReceipt['errors']): Screened => ({
    kind: 'rejected',
    receipt: {
      eventId: typeof document.id === 'string' ? document.id : null,
      caseId: typeof document.caseid === 'string' ? document.caseid : message.key,
      organization,
      receivedAt,
      ...submissionId,
      status: 'rejected',
      code,
      reason,
      ...(errors && errors.length > 0 ? { errors } : {}),
    },
  });

  if (topic?.kind !== 'inbound') return rejected('MESSAGE.WRONG_TOPIC', `${message.topic} is not an inbound topic (passerelle.inbound.<organization>)`);
  if (message.value.length > deps.maxBytes) {
    return rejected('ENVELOPE.TOO_LARGE', `the message is ${message.value.length} bytes, over the ${deps.maxBytes}-byte limit`);
  }
  const parsed = fromKafkaMessage(message);
  if ('error' in parsed) return rejected('ENVELOPE.MALFORMED', parsed.error);
  if (typeof parsed.document !== 'object' || parsed.document === null || Array.isArray(parsed.document)) {
    return rejected('ENVELOPE.MALFORMED', 'the message is JSON but not an object: a CloudEvents envelope is a JSON object');
  }
  document = parsed.document as Record<string, unknown>;

  let caller;
  try {
    caller = await deps.tokens.verify(message.headers[EXCHANGE_HEADERS.authorization], 'publisher');
  } catch (err) {
    if (err instanceof IdentityError) return rejected(err.code, err.message);
    throw err;
  }
  if (caller.organization.id !== organization) {
    return rejected('TOKEN.WRONG_ORGANIZATION', `a token of ${caller.organization.id} cannot publish on the inbound topic of ${organization}`);
  }
  const claimed = typeof document.source === 'string' ? organizationOf(document.source) : null;
  if (claimed !== organization) {
    return rejected('EVENT.SOURCE_MISMATCH', `the event claims source ${JSON.stringify(document.source)}, but it is published by ${organization}`, [
      { pointer: '/source', message: `must be urn:passerelle:org:${organization}` },
    ]);
  }
  const signature = message.headers[EXCHANGE_HEADERS.signature];
  try {
    await deps.signatures.verify(document as { source: string }, signature, new Date(receivedAt));
  } catch (err) {
    if (err instanceof IdentityError) return rejected(err.code, err.message);
    throw err;
  }

  const validation = deps.validator().validate(document);
  if (!validation.valid) {
    return rejected(validation.code, describeIssues(validation.errors), validation.errors.map((e) => ({ pointer: e.pointer, keyword: e.keyword, message: e.message })));
  }
  const category = validation.entry.category;
  if (!isCategory(category)) return rejected('SCHEMA.INVALID', `the schema of ${validation.value.type} names no sharing category`);

  const expected = message.headers[EXCHANGE_HEADERS.expectedRevision];
  if (expected !== undefined && !/^(0|[1-9]\d{0,18})$/.test(expected)) {
    return rejected('MESSAGE.INVALID_HEADER', `${EXCHANGE_HEADERS.expectedRevision} must be a revision (0, 1, 2, …), not ${JSON.stringify(expected.slice(0, 40))}`);
  }
  const envelope: CaseEventEnvelope = validation.value;
  return {
    kind: 'submission',
    organization,
    caseId: envelope.caseid,
    submission: {
      envelope,
      signature: signature!,
      publisher: organization,
      publishedBy: caller.subject,
      category,
      personalFields: personalFieldsOf(validation.entry.schema),
      receivedAt,
      ...submissionId,
      ...(expected !== undefined ? { expectedRevision: BigInt(expected) } : {}),
    },
  };
}

/** Each schema's personal fields, found once per schema document. */
const personalFieldsBySchema = new WeakMap<object, readonly string[]>();
function personalFieldsOf(schema: object): readonly string[] {
  let fields = personalFieldsBySchema.get(schema);
  if (!fields) personalFieldsBySchema.set(schema, (fields = personalFields(schema)));
  return fields;
}

function describeIssues(errors: ReadonlyArray<{ pointer: string; message: string }>): string {
  const first = errors[0];
  if (!first) return 'the event does not match its schema';
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return `${first.pointer || '/'} ${first.message}${more}`;
}
