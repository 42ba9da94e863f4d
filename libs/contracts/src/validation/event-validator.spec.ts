import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir, readSchemaDirectory, type CatalogEntry } from '../catalog/schema-catalog';
import { EventValidator } from './event-validator';

const dir = defaultSchemasDir();
const example = () => JSON.parse(readFileSync(join(dir, 'envelope/v1.example.json'), 'utf8')) as Record<string, unknown>;

describe('EventValidator', () => {
  let catalog: CatalogEntry[];
  let validator: EventValidator;
  beforeAll(async () => {
    catalog = await readSchemaDirectory(dir);
    validator = new EventValidator(catalog, 4096);
  });

  it('accepts a valid envelope and says which schema it matched', () => {
    const result = validator.parse(JSON.stringify(example()));
    expect(result).toMatchObject({ valid: true, entry: { subject: 'case.CaseOpened', version: 1, classification: 'internal', category: 'case' } });
  });

  describe('the CloudEvents JSON format as its spec reads', () => {
    it('reads an attribute whose value is null as unset (JSON format §2.4)', () => {
      const result = validator.validate({ ...example(), subject: null, correlationid: null });
      expect(result.valid).toBe(true);
      expect(result.valid && 'subject' in result.value).toBe(false);
      expect(result.valid && 'correlationid' in result.value).toBe(false);
    });

    it('a required attribute given as null is missing, and says so', () => {
      expect(validator.validate({ ...example(), actor: null })).toMatchObject({ valid: false, errors: [{ pointer: '/actor', keyword: 'required', message: 'is required but missing' }] });
    });

    it('takes `time` only as RFC 3339 writes it: T between date and time, Z or ±hh:mm', () => {
      for (const time of ['2026-11-25T14:03:00Z', '2026-11-25t14:03:00.123z', '2026-11-25T14:03:00-05:00', '2016-12-31T23:59:60Z']) {
        expect({ time, valid: validator.validate({ ...example(), time }).valid }).toEqual({ time, valid: true });
      }
      for (const time of ['2026-11-25 14:03:00Z', '2026-11-25T14:03:00+0100', '2026-11-25T14:03:00', '2026-02-30T14:03:00Z', '2026-11-25T24:03:00Z']) {
        expect({ time, result: validator.validate({ ...example(), time }) }).toMatchObject({ time, result: { valid: false, errors: [{ pointer: '/time', keyword: 'format' }] } });
      }
    });

    it('takes the JSON media types with parameters as datacontenttype', () => {
      for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset=UTF-8', 'application/ld+json']) {
        expect({ type, valid: validator.validate({ ...example(), datacontenttype: type }).valid }).toEqual({ type, valid: true });
      }
      expect(validator.validate({ ...example(), datacontenttype: 'application/xml' })).toMatchObject({ valid: false, errors: [{ pointer: '/datacontenttype', keyword: 'pattern' }] });
      expect(validator.validate({ ...example(), datacontenttype: 'application/json; charset=iso-8859-1' })).toMatchObject({
        valid: false,
        errors: [{ pointer: '/datacontenttype', keyword: 'charset', message: 'must have charset utf-8 if any: JSON is UTF-8, not iso-8859-1' }],
      });
    });

    it('takes the Partitioning extension’s partitionkey', () => {
      expect(validator.validate({ ...example(), partitionkey: 'case-2026-000123' }).valid).toBe(true);
      expect(validator.validate({ ...example(), partitionkey: '' })).toMatchObject({ valid: false, errors: [{ pointer: '/partitionkey', keyword: 'minLength' }] });
    });
  });

  describe('rejections name the place, what was expected and what was found', () => {
    it('a data field that breaks its schema, under /data', () => {
      const event = example();
      (event.data as Record<string, unknown>).owner = 'Quebec RAMQ';
      const result = validator.validate(event);
      expect(result).toEqual({
        valid: false,
        code: 'SCHEMA.INVALID',
        errors: [{ pointer: '/data/owner', keyword: 'pattern', message: expect.stringContaining('must match'), expected: expect.any(String), actual: 'Quebec RAMQ' }],
      });
    });

    it('a missing required attribute, with the attribute in the pointer', () => {
      const event = example();
      delete event.actor;
      expect(validator.validate(event)).toMatchObject({ code: 'SCHEMA.INVALID', errors: [{ pointer: '/actor', keyword: 'required', message: 'is required but missing' }] });
    });

    it('an unknown channel, listing the allowed ones', () => {
      const result = validator.validate({ ...example(), channel: 'fax' });
      expect(result).toMatchObject({ errors: [{ pointer: '/channel', keyword: 'enum', actual: 'fax', message: expect.stringContaining('"counter", "phone"') }] });
    });

    it('an unknown event type, listing the versions that exist', () => {
      const result = validator.validate({ ...example(), type: 'passerelle.case.CaseOpened.v9', dataschema: 'urn:passerelle:schema:case:CaseOpened:v9' });
      expect(result).toEqual({
        valid: false,
        code: 'SCHEMA.UNKNOWN_TYPE',
        errors: [{ pointer: '/type', keyword: 'unknownType', message: '"passerelle.case.CaseOpened.v9" is not an event type of the catalog; known versions: passerelle.case.CaseOpened.v1', actual: 'passerelle.case.CaseOpened.v9' }],
      });
    });

    it('a dataschema that is not the type’s schema', () => {
      const result = validator.validate({ ...example(), dataschema: 'urn:passerelle:schema:case:CaseClosed:v1' });
      expect(result).toMatchObject({ errors: [{ pointer: '/dataschema', expected: 'urn:passerelle:schema:case:CaseOpened:v1' }] });
    });

    it('a classification lower than the type’s', () => {
      const result = validator.validate({ ...example(), dataclassification: 'public' });
      expect(result).toMatchObject({ errors: [{ pointer: '/dataclassification', expected: 'internal', actual: 'public' }] });
    });

    it('commit attributes sent by a publisher', () => {
      const result = validator.validate({ ...example(), caserevision: '3', hash: 'a'.repeat(64) });
      expect(result.valid).toBe(false);
      expect(!result.valid && result.errors.map((e) => `${e.pointer} ${e.keyword}`)).toEqual(['/caserevision commitAttribute', '/hash commitAttribute']);
    });

    it('envelope v2’s commit attributes, which v3 no longer has, saying what replaced them', () => {
      const result = validator.validate({ ...example(), sequence: 3 });
      expect(result).toMatchObject({
        valid: false,
        errors: [
          {
            pointer: '/sequence',
            keyword: 'additionalProperties',
            message: "is not an attribute of envelope v3: it was v2's commit attribute, now caserevision (a decimal string), which the hub sets on commit and a publisher never sends",
          },
        ],
      });
    });

    it('commit attributes missing from a stored event', () => {
      const result = validator.validate(example(), { stage: 'committed' });
      expect(!result.valid && result.errors.map((e) => `${e.pointer} ${e.keyword}`)).toEqual(['/caserevision required', '/logposition required', '/prevhash required', '/hash required']);
    });

    it('a commit attribute that is no decimal string: CloudEvents has no 64-bit integer, so it is never a JSON number', () => {
      const committed = { ...example(), caserevision: '3', logposition: '12', prevhash: '0'.repeat(64), hash: 'a'.repeat(64) };
      expect(validator.validate(committed, { stage: 'committed' }).valid).toBe(true);
      for (const logposition of [12, '012', '-1', '1e3', '']) {
        expect({ logposition, result: validator.validate({ ...committed, logposition }, { stage: 'committed' }) }).toMatchObject({
          logposition,
          result: { valid: false, errors: [{ pointer: '/logposition' }] },
        });
      }
    });

    it('an envelope over the size limit, before parsing it', () => {
      const result = validator.parse(`{"x":"${'a'.repeat(5000)}"}`);
      expect(result).toEqual({ valid: false, code: 'ENVELOPE.TOO_LARGE', errors: [{ pointer: '', keyword: 'maxBytes', message: 'is 5008 bytes, over the 4096-byte limit', expected: 4096, actual: 5008 }] });
    });

    it('malformed JSON, with the parser’s position', () => {
      const result = validator.parse('{"specversion": "1.0",');
      expect(result).toMatchObject({ valid: false, code: 'ENVELOPE.MALFORMED', errors: [{ keyword: 'json', message: expect.stringMatching(/^is not valid JSON: /) }] });
    });

    it('bytes that are not UTF-8', () => {
      const result = validator.parse(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
      expect(result).toMatchObject({ valid: false, code: 'ENVELOPE.MALFORMED', errors: [{ keyword: 'encoding', message: 'is not valid UTF-8' }] });
    });

    it('never echoes a long value whole', () => {
      const result = validator.validate({ ...example(), actor: 'x'.repeat(10_000) });
      const actual = !result.valid ? String(result.errors[0]!.actual) : '';
      expect(actual.length).toBeLessThan(100);
    });
  });

  describe('schemas that cannot join the catalog', () => {
    const event = (extra: Record<string, unknown>) => ({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:passerelle:schema:case:Probe:v1',
      'x-classification': 'internal',
      'x-category': 'case',
      ...extra,
    });

    it('a $ref outside the registry is refused, never fetched', () => {
      expect(() => new EventValidator([...catalog, entryOf(event({ $ref: 'https://schemas.example.org/evil.json' }))])).toThrow(
        'urn:passerelle:schema:case:Probe:v1: $ref https://schemas.example.org/evil.json is not in the registry (references are never fetched from the network)',
      );
    });

    it('a circular $ref is refused with a reason, not a crash', () => {
      const circular = event({ $defs: { a: { $ref: '#/$defs/b' }, b: { $ref: '#/$defs/a' } }, $ref: '#/$defs/a' });
      expect(() => new EventValidator([...catalog, entryOf(circular)])).toThrow(/circular \$ref/);
    });

    it('an unknown keyword is refused (strict mode)', () => {
      expect(() => new EventValidator([...catalog, entryOf(event({ type: 'object', propertiez: {} }))])).toThrow(/not a valid JSON Schema 2020-12 document: strict mode: unknown keyword: "propertiez"/);
    });

    function entryOf(schema: Record<string, unknown>): CatalogEntry {
      return { subject: 'case.Probe', version: 1, id: String(schema.$id), schema: schema as CatalogEntry['schema'], classification: 'internal', category: 'case' };
    }
  });
});
