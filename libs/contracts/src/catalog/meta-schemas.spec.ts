import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventValidator } from '../validation/event-validator';
import { DIALECT_META_ID, metaSchemas, SHARING_VOCABULARY } from './meta-schemas';
import { CLASSIFICATIONS, defaultSchemasDir, describeSchema, readSchemaDirectory } from './schema-catalog';

const dir = defaultSchemasDir();
const schemaFiles = (readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.schema.json')).sort();
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

/** An integrator's validator: stock ajv, strict as it installs, JSON Schema 2020-12. */
const stockAjv = () => {
  const ajv = new Ajv2020();
  addFormats(ajv);
  return ajv;
};

describe('our schema keywords as a declared vocabulary (schemas/meta/)', () => {
  it('a strict validator that does not know x-classification refuses our schemas as they are', () => {
    const ajv = stockAjv();
    expect(() => ajv.compile(read('case/case-opened/v1.schema.json'))).toThrow('strict mode: unknown keyword: "x-classification"');
  });

  it('the same validator, given only the published meta-schemas, compiles every schema and validates the golden examples', () => {
    const ajv = stockAjv();
    const vocabulary = read('meta/sharing-vocabulary.meta.json') as { properties: Record<string, unknown> };
    ajv.addMetaSchema(vocabulary);
    ajv.addMetaSchema(read('meta/dialect.meta.json'));
    ajv.addVocabulary(Object.keys(vocabulary.properties));
    for (const file of schemaFiles) ajv.addSchema(read(file));
    for (const file of schemaFiles) expect(ajv.getSchema(String(read(file).$id))).toBeDefined();
    expect(ajv.validate('urn:passerelle:schema:case:CaseOpened:v1', read('case/case-opened/v1.example.json'))).toBe(true);
    // Every schema of the catalog is a valid document of the dialect.
    for (const file of schemaFiles) expect({ file, valid: ajv.validate(DIALECT_META_ID, read(file)) }).toEqual({ file, valid: true });
  });

  it('declares the vocabulary, optional, on top of every 2020-12 vocabulary', () => {
    const dialect = metaSchemas().dialect as { $vocabulary: Record<string, boolean> };
    expect(dialect.$vocabulary[SHARING_VOCABULARY]).toBe(false);
    expect(Object.keys(dialect.$vocabulary).filter((v) => v.startsWith('https://json-schema.org/draft/2020-12/vocab/'))).toHaveLength(7);
  });

  it('lists the values the catalog and the sharing rules know', () => {
    const { vocabulary } = metaSchemas();
    const common = read('common/v1.schema.json') as { $defs: { category: { enum: string[] } } };
    expect(vocabulary.properties['x-classification']).toMatchObject({ enum: [...CLASSIFICATIONS] });
    expect(vocabulary.properties['x-category']).toMatchObject({ enum: common.$defs.category.enum });
  });

  it('the hub refuses a schema whose vocabulary values are unknown, and takes one written in the dialect', async () => {
    const catalog = await readSchemaDirectory(dir);
    const probe = (extra: Record<string, unknown>) => ({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'urn:passerelle:schema:case:Probe:v1',
      'x-classification': 'internal',
      'x-category': 'case',
      type: 'object',
      ...extra,
    });
    expect(() => new EventValidator([...catalog, describeSchema(probe({ 'x-category': 'gossip' }))])).toThrow(
      'urn:passerelle:schema:case:Probe:v1: x-category must be one of case, consent, service, documents, contact, appointments, decisions, payments, satisfaction',
    );
    const validator = new EventValidator([...catalog, describeSchema(probe({ $schema: DIALECT_META_ID }))]);
    expect(validator.validateData('passerelle.case.Probe.v1', {})).toMatchObject({ valid: true });
  });
});
