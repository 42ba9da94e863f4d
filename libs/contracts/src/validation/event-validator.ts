import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats';
import { CatalogError, describeSchema, type CatalogEntry } from '../catalog/schema-catalog';
import { metaSchemas, SHARING_VOCABULARY_META_ID } from '../catalog/meta-schemas';
import { eventTypeOf, parseEventType } from '../catalog/schema-id';
import { COMMIT_ATTRIBUTES, V2_COMMIT_ATTRIBUTES, type CaseEventEnvelope } from '../envelope/envelope';
import { parseStrictJson } from '../envelope/strict-json';
import { toIssues, type ValidationIssue } from './issues';

/**
 * The envelope events are checked against (v1 and v2 stay registered: a version never
 * changes). A publisher's envelope reads the same in v2 and v3, which differ only in the
 * hub's commit attributes; a v2 committed event is read through `upcast` first.
 */
export const ENVELOPE_SCHEMA_ID = 'urn:passerelle:schema:envelope:v3';

/**
 * RFC 3339 `date-time` as its grammar reads (section 5.6): `T` between date and time (either
 * case), `Z` or a `±hh:mm` offset. ajv-formats' own also takes a space and `+hhmm`; its
 * range checks (month days, leap seconds) run after this one.
 */
const RFC3339_DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const rangeCheckedDateTime = fullFormats['date-time'] as { validate: (value: string) => boolean };
export function isRfc3339DateTime(value: string): boolean {
  return RFC3339_DATE_TIME.test(value) && rangeCheckedDateTime.validate(value);
}

/** JSON media types are UTF-8 (RFC 8259 §8.1): a charset parameter, if any, must say so. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;
/** Default cap on an envelope's size in bytes, checked before parsing. */
export const DEFAULT_MAX_ENVELOPE_BYTES = 256 * 1024;

export type ValidationFailureCode = 'ENVELOPE.TOO_LARGE' | 'ENVELOPE.MALFORMED' | 'SCHEMA.UNKNOWN_TYPE' | 'SCHEMA.INVALID';

export type ValidationResult<T> =
  | { valid: true; value: T; entry: CatalogEntry }
  | { valid: false; code: ValidationFailureCode; errors: ValidationIssue[] };

export interface ValidateOptions {
  /**
   * `publish` (default): what a publisher sends; the hub's commit attributes are refused.
   * `committed`: what the store holds; they are required.
   */
  stage?: 'publish' | 'committed';
}

/**
 * Validates case event envelopes and their data against the catalog. Every schema is compiled
 * once, when it is added; validation itself only runs compiled code.
 *
 * Only schemas added here are ever used: a `$ref` to anything else fails when the schema is
 * added, and nothing is fetched from the network.
 */
export class EventValidator {
  private readonly ajv: Ajv2020;
  private readonly compiled = new Map<string, { entry: CatalogEntry; validate: ValidateFunction }>();
  private envelope!: ValidateFunction;

  constructor(entries: readonly CatalogEntry[], private readonly maxBytes = DEFAULT_MAX_ENVELOPE_BYTES) {
    this.ajv = new Ajv2020({ strict: true, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat('date-time', { type: 'string', validate: isRfc3339DateTime });
    // Our keywords, as schemas/meta/ publishes them: the sharing vocabulary's meta-schema
    // names them and their values, and the dialect declares it (see docs/contracts.md).
    const meta = metaSchemas();
    this.ajv.addMetaSchema(meta.vocabulary);
    this.ajv.addMetaSchema(meta.dialect);
    this.ajv.addVocabulary(meta.keywords);
    // Shared definitions first (anything without an event subject), so events can $ref them.
    const ordered = [...entries].sort((a, b) => Number(a.subject.includes('.')) - Number(b.subject.includes('.')));
    for (const entry of ordered) this.add(entry);
    const envelope = this.ajv.getSchema(ENVELOPE_SCHEMA_ID);
    if (!envelope) throw new CatalogError(`the catalog has no envelope schema (${ENVELOPE_SCHEMA_ID})`);
    this.envelope = envelope;
  }

  /** Adds a schema version, compiling it now; fails if it is invalid or refers outside the catalog. */
  add(entry: CatalogEntry): void {
    const where = entry.file ?? entry.id;
    if (!this.ajv.validate(SHARING_VOCABULARY_META_ID, entry.schema)) {
      const [error] = this.ajv.errors ?? [];
      const allowed = (error?.params as { allowedValues?: unknown[] } | undefined)?.allowedValues;
      throw new CatalogError(`${where}: ${error?.instancePath.slice(1) ?? 'the schema'} ${allowed ? `must be one of ${allowed.join(', ')}` : error?.message}`);
    }
    try {
      this.ajv.addSchema(entry.schema);
      const validate = this.ajv.getSchema(entry.id)!;
      if (entry.subject.includes('.')) this.compiled.set(eventTypeOf(entry), { entry, validate });
    } catch (err) {
      this.ajv.removeSchema(entry.id);
      throw new CatalogError(`${where}: ${explainCompileError(err)}`);
    }
  }

  /** Event types known, as CloudEvents `type` strings. */
  eventTypes(): string[] {
    return [...this.compiled.keys()];
  }

  entryFor(type: string): CatalogEntry | undefined {
    return this.compiled.get(type)?.entry;
  }

  /** Validates raw bytes as received: size cap, UTF-8, JSON, then the envelope and its data. */
  parse(raw: Buffer | string, options?: ValidateOptions): ValidationResult<CaseEventEnvelope> {
    const bytes = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
    if (bytes > this.maxBytes) {
      return fail('ENVELOPE.TOO_LARGE', '', 'maxBytes', `is ${bytes} bytes, over the ${this.maxBytes}-byte limit`, this.maxBytes, bytes);
    }
    let text: string;
    try {
      text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      return fail('ENVELOPE.MALFORMED', '', 'encoding', 'is not valid UTF-8');
    }
    const parsed = parseStrictJson(text);
    if ('error' in parsed) return fail('ENVELOPE.MALFORMED', '', 'json', `is not valid JSON: ${parsed.error}`);
    return this.validate(parsed.value, options);
  }

  /** Validates a parsed document as a case event envelope, its data against its type's schema. */
  validate(raw: unknown, options: ValidateOptions = {}): ValidationResult<CaseEventEnvelope> {
    const stage = options.stage ?? 'publish';
    const document = withoutNullAttributes(raw);
    if (!this.envelope(document)) {
      const errors = toIssues(this.envelope.errors, document).map(explainV2CommitAttribute);
      // Report the data's problems too when its type is known, so one run shows them all.
      const { type, data } = (typeof document === 'object' && document !== null ? document : {}) as { type?: unknown; data?: unknown };
      const known = typeof type === 'string' ? this.compiled.get(type) : undefined;
      if (known && data !== undefined && !known.validate(data)) errors.push(...toIssues(known.validate.errors, data, '/data'));
      return { valid: false, code: 'SCHEMA.INVALID', errors };
    }
    const event = document as unknown as CaseEventEnvelope;
    const known = this.compiled.get(event.type);
    if (!known) {
      const ref = parseEventType(event.type);
      const versions = ref ? this.versionsOf(ref.subject) : [];
      const hint = versions.length > 0 ? `; known versions: ${versions.join(', ')}` : '';
      return fail('SCHEMA.UNKNOWN_TYPE', '/type', 'unknownType', `"${event.type}" is not an event type of the catalog${hint}`, undefined, event.type);
    }
    const { entry, validate } = known;
    // The common case, a valid event, checks everything once and allocates nothing else;
    // only a failure walks the checks again to describe each problem.
    const charset = CHARSET.exec(event.datacontenttype)?.[1];
    const committed = event.caserevision !== undefined || event.logposition !== undefined || event.prevhash !== undefined || event.hash !== undefined;
    const allCommitted = event.caserevision !== undefined && event.logposition !== undefined && event.prevhash !== undefined && event.hash !== undefined;
    if (
      event.dataschema === entry.id &&
      event.dataclassification === entry.classification &&
      (charset === undefined || charset.toLowerCase() === 'utf-8') &&
      (stage === 'publish' ? !committed : allCommitted) &&
      validate(event.data)
    ) {
      return { valid: true, value: event, entry };
    }
    const errors: ValidationIssue[] = [];
    if (event.dataschema !== entry.id) {
      errors.push({ pointer: '/dataschema', keyword: 'dataschema', message: `must be ${entry.id} for type ${event.type}`, expected: entry.id, actual: event.dataschema });
    }
    if (event.dataclassification !== entry.classification) {
      errors.push({
        pointer: '/dataclassification',
        keyword: 'dataclassification',
        message: `must be ${entry.classification}, the classification of ${event.type}`,
        expected: entry.classification,
        actual: event.dataclassification,
      });
    }
    if (charset !== undefined && charset.toLowerCase() !== 'utf-8') {
      errors.push({ pointer: '/datacontenttype', keyword: 'charset', message: `must have charset utf-8 if any: JSON is UTF-8, not ${charset}`, expected: 'utf-8', actual: charset });
    }
    for (const attribute of COMMIT_ATTRIBUTES) {
      const present = event[attribute] !== undefined;
      if (stage === 'publish' && present) {
        errors.push({ pointer: `/${attribute}`, keyword: 'commitAttribute', message: 'is set by the hub on commit; a publisher must not send it' });
      } else if (stage === 'committed' && !present) {
        errors.push({ pointer: `/${attribute}`, keyword: 'required', message: 'is required on a committed event but missing' });
      }
    }
    if (!validate(event.data)) errors.push(...toIssues(validate.errors, event.data, '/data'));
    return errors.length > 0 ? { valid: false, code: 'SCHEMA.INVALID', errors } : { valid: true, value: event, entry };
  }

  /** Validates a bare payload against one type's data schema (integrators' checks). */
  validateData(type: string, data: unknown): ValidationResult<unknown> {
    const known = this.compiled.get(type);
    if (!known) return fail('SCHEMA.UNKNOWN_TYPE', '', 'unknownType', `"${type}" is not an event type of the catalog`);
    return known.validate(data)
      ? { valid: true, value: data, entry: known.entry }
      : { valid: false, code: 'SCHEMA.INVALID', errors: toIssues(known.validate.errors, data) };
  }

  private versionsOf(subject: string): string[] {
    return [...this.compiled.values()].filter((c) => c.entry.subject === subject).map((c) => eventTypeOf(c.entry));
  }
}

/** Builds a validator from schema documents (e.g. rows of the registry). */
export function validatorFor(schemas: readonly unknown[], maxBytes?: number): EventValidator {
  return new EventValidator(schemas.map((s) => describeSchema(s)), maxBytes);
}

/**
 * The CloudEvents JSON format (§2.4): an attribute whose value is null is unset, as if absent.
 * `data` is no attribute, so `"data": null` stays and is checked as it is.
 */
function withoutNullAttributes(document: unknown): unknown {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return document;
  const entries = Object.entries(document);
  if (!entries.some(([name, value]) => value === null && name !== 'data')) return document;
  return Object.fromEntries(entries.filter(([name, value]) => value !== null || name === 'data'));
}

/** `sequence` or `position`, refused as unknown: say what they were and what replaced them. */
function explainV2CommitAttribute(issue: ValidationIssue): ValidationIssue {
  const name = issue.pointer.slice(1);
  if (issue.keyword !== 'additionalProperties' || !Object.hasOwn(V2_COMMIT_ATTRIBUTES, name)) return issue;
  const now = V2_COMMIT_ATTRIBUTES[name as keyof typeof V2_COMMIT_ATTRIBUTES];
  return { ...issue, message: `is not an attribute of envelope v3: it was v2's commit attribute, now ${now} (a decimal string), which the hub sets on commit and a publisher never sends` };
}

function fail<T>(code: ValidationFailureCode, pointer: string, keyword: string, message: string, expected?: unknown, actual?: unknown): ValidationResult<T> {
  const issue: ValidationIssue = { pointer, keyword, message };
  if (expected !== undefined) issue.expected = expected;
  if (actual !== undefined) issue.actual = actual;
  return { valid: false, code, errors: [issue] };
}

function explainCompileError(err: unknown): string {
  // ajv recurses through $ref while compiling: a cycle of references that never reaches a
  // value overflows the stack instead of producing an error of its own.
  if (err instanceof RangeError) return 'circular $ref: the schema refers to itself without ever describing a value';
  const message = (err as Error).message;
  const missing = /can't resolve reference (\S+)/.exec(message);
  if (missing) return `$ref ${missing[1]} is not in the registry (references are never fetched from the network)`;
  return `not a valid JSON Schema 2020-12 document: ${message}`;
}
