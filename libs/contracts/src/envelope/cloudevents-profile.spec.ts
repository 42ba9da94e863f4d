import { CloudEvent, Kafka } from 'cloudevents';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir, readSchemaDirectory } from '../catalog/schema-catalog';
import { committedEnvelope, type StoredCaseEvent } from '../exchange/case-record';
import { upcast } from '../upcasting/upcasters';
import { EventValidator } from '../validation/event-validator';
import { COMMIT_ATTRIBUTES, type CaseEventEnvelope } from './envelope';
import { fromKafkaMessage, toKafkaMessage } from './kafka-binding';

/**
 * The attribute names of CloudEvents' documented extensions (cloudevents/spec,
 * cloudevents/extensions/*.md, 2026-07): Auth Context, BAM, Correlation, Data Classification,
 * Dataref, Deprecation, Distributed Tracing, Expiry Time, OPC UA, Partitioning, Recorded Time,
 * Sampling, Sequence, Severity, Verifiability.
 */
const DOCUMENTED_EXTENSION_ATTRIBUTES = [
  'authtype', 'authid', 'authclaims',
  'bamtxid', 'bampid', 'bamptxid', 'bamptxsid', 'bamptxsstatus', 'bamptxcompleted',
  'correlationid', 'causationid',
  'dataclassification', 'dataregulation', 'datacategory',
  'dataref',
  'deprecated', 'deprecationfrom', 'deprecationsunset', 'deprecationmigration',
  'traceparent', 'tracestate',
  'expirytime',
  'opcuametadatamajorversion', 'opcuametadataminorversion', 'opcuastatus',
  'partitionkey',
  'recordedtime',
  'sampledrate',
  'sequence',
  'severitytext', 'severitynumber',
  'dssematerial',
]; // prettier-ignore

/** The documented extensions the envelope uses, each as its document says (all of them Strings). */
const USED_AS_DOCUMENTED = ['correlationid', 'causationid', 'dataclassification', 'partitionkey', 'traceparent', 'tracestate'];

const CONTEXT_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'datacontenttype', 'dataschema'];

/** Whether a value is of the CloudEvents type system (spec §Type System), as JSON carries it. */
function typeOfAttribute(value: unknown): 'Boolean' | 'Integer' | 'String' | 'outside the type system' {
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** 31) && value <= 2 ** 31 - 1) return 'Integer';
  return 'outside the type system';
}

const publisherEnvelope = (() => {
  const { subject: _unset, ...envelope } = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v3.example.json'), 'utf8')) as CaseEventEnvelope;
  return { ...envelope, correlationid: 'corr-5b1c', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' };
})();
/** Stored as the ledger keeps it: revision and position are the store's 64-bit numbers, the position past 2^31. */
const stored: StoredCaseEvent = {
  data: publisherEnvelope as unknown as Record<string, unknown>,
  metadata: {},
  revision: 5n,
  position: 2n ** 31n + 7n,
  prevHash: 'a'.repeat(64),
  hash: 'b'.repeat(64),
};
const asSdkMessage = (m: ReturnType<typeof toKafkaMessage>) => ({ key: m.key!, value: String(m.value), headers: m.headers!, body: String(m.value) }) as never;

describe('a committed event as the relay publishes it, read by the CloudEvents SDK', () => {
  let validator: EventValidator;
  beforeAll(async () => {
    validator = new EventValidator(await readSchemaDirectory(defaultSchemasDir()));
  });

  it.each(['structured', 'binary'] as const)('%s mode: a valid CloudEvent whose commit attributes are Strings, the same in either mode, and no attribute named sequence', (mode) => {
    const read = Kafka.toEvent(asSdkMessage(toKafkaMessage(committedEnvelope(stored), mode))) as CloudEvent;
    // The SDK reads Kafka leniently; ask it for its strict checks, then build it strictly.
    expect(read.validate()).toBe(true);
    const attributes = Object.fromEntries(Object.entries(read).filter(([name]) => name !== 'data' && name !== 'data_base64'));
    expect(() => new CloudEvent(attributes, true)).not.toThrow();

    expect(attributes).toMatchObject({ caserevision: '5', logposition: '2147483655', prevhash: 'a'.repeat(64), hash: 'b'.repeat(64) });
    expect(attributes).not.toHaveProperty('sequence');
    expect(attributes).not.toHaveProperty('position');
    const outside = Object.entries(attributes).filter(([, value]) => value !== undefined && typeOfAttribute(value) === 'outside the type system');
    expect(outside).toEqual([]);
  });

  it('collides with no documented extension: the documented names it carries are used as documented, as Strings', () => {
    const envelope = committedEnvelope(stored);
    const extensions = Object.keys(envelope).filter((name) => !CONTEXT_ATTRIBUTES.includes(name) && name !== 'data');
    expect(extensions.filter((name) => DOCUMENTED_EXTENSION_ATTRIBUTES.includes(name)).sort()).toEqual(USED_AS_DOCUMENTED.filter((n) => n in envelope).sort());
    expect(COMMIT_ATTRIBUTES.filter((name) => DOCUMENTED_EXTENSION_ATTRIBUTES.includes(name))).toEqual([]);
    for (const name of extensions) expect({ name, type: typeOfAttribute(envelope[name as keyof CaseEventEnvelope]) }).toEqual({ name, type: 'String' });
    // CloudEvents attribute names: lower-case letters and digits, at most 20 characters.
    for (const name of COMMIT_ATTRIBUTES) expect(name).toMatch(/^[a-z][a-z0-9]{0,19}$/);
  });

  it('is a valid committed envelope v3, whole at any size (a 64-bit position stays exact)', () => {
    const big = committedEnvelope({ ...stored, revision: 2n ** 40n, position: 2n ** 63n - 1n });
    expect(big).toMatchObject({ caserevision: '1099511627776', logposition: '9223372036854775807' });
    expect(validator.validate(big, { stage: 'committed' })).toMatchObject({ valid: true });
    expect(validator.validate(committedEnvelope(stored), { stage: 'committed' })).toMatchObject({ valid: true });
  });
});

describe('a consumer still reading envelope v2 (integer sequence and position)', () => {
  const v2 = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v2.committed.example.json'), 'utf8')) as Record<string, unknown>;

  it('finds v2’s values under v3’s names: caserevision = sequence and logposition = position, in decimal', () => {
    const v3 = upcast(v2 as unknown as CaseEventEnvelope);
    expect({ caserevision: v3.caserevision, logposition: v3.logposition }).toEqual({ caserevision: String(v2.sequence), logposition: String(v2.position) });
    expect(Number(v3.caserevision)).toBe(v2.sequence);
    expect(BigInt(v3.logposition!)).toBe(BigInt(v2.position as number));
  });

  it('reads a v2 message relayed before the upgrade, structured or binary, as the v3 event the relay would send now', () => {
    const asIncoming = (m: ReturnType<typeof toKafkaMessage>) => ({ value: Buffer.from(m.value), headers: m.headers ?? {} });
    const expected = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v3.committed.example.json'), 'utf8')) as Record<string, unknown>;
    for (const mode of ['structured', 'binary'] as const) {
      const message = toKafkaMessage(v2 as unknown as CaseEventEnvelope, mode);
      const read = fromKafkaMessage(asIncoming(message)) as { document: CaseEventEnvelope };
      expect({ mode, event: upcast(read.document) }).toEqual({ mode, event: expected });
    }
  });
});
