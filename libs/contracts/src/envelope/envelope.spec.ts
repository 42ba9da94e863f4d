import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIFICATIONS, defaultSchemasDir } from '../catalog/schema-catalog';
import { checkCompatibility, type JsonSchema } from '../compatibility/compatibility';
import { inlineCatalogRefs } from '../catalog/inline-refs';
import { readSchemaDirectory } from '../catalog/schema-catalog';
import { ENVELOPE_SCHEMA_ID } from '../validation/event-validator';
import { upcast } from '../upcasting/upcasters';
import { EventValidator } from '../validation/event-validator';
import { CLOUDEVENTS_CLASSIFICATION, COMMIT_ATTRIBUTES, V2_COMMIT_ATTRIBUTES, type CaseEventEnvelope } from './envelope';

describe('dataclassification and the CloudEvents Data Classification extension', () => {
  it('maps every catalog label onto one of the extension’s recommended labels, one to one', () => {
    const recommended = ['public', 'internal', 'confidential', 'restricted'];
    expect(Object.keys(CLOUDEVENTS_CLASSIFICATION).sort()).toEqual([...CLASSIFICATIONS].sort());
    expect(Object.values(CLOUDEVENTS_CLASSIFICATION).sort()).toEqual(recommended.sort());
    expect(CLOUDEVENTS_CLASSIFICATION.personal).toBe('restricted');
  });

  it('says so in the envelope schema an integrator reads', () => {
    const version = ENVELOPE_SCHEMA_ID.split(':').at(-1);
    const schema = JSON.parse(readFileSync(join(defaultSchemasDir(), `envelope/${version}.schema.json`), 'utf8')) as { properties: Record<string, { description?: string }> };
    expect(schema.properties.dataclassification!.description).toContain("personal corresponds to the extension's recommended restricted");
  });
});

describe('envelope v2', () => {
  it('reads every v1 envelope (BACKWARD compatible with v1), so no stored event needs upcasting', async () => {
    const entries = await readSchemaDirectory(defaultSchemasDir());
    const envelope = (version: number) => inlineCatalogRefs(entries.find((e) => e.subject === 'envelope' && e.version === version)!.schema, entries) as JsonSchema;
    expect(checkCompatibility(envelope(2), [envelope(1)], 'BACKWARD')).toEqual({ compatible: true, incompatibilities: [] });
  });
});

describe('envelope v3: commit attributes caserevision and logposition (decimal strings) in place of sequence and position', () => {
  let entries: Awaited<ReturnType<typeof readSchemaDirectory>>;
  type ObjectSchema = Record<string, unknown> & { properties: Record<string, unknown> };
  const envelope = (version: number) => inlineCatalogRefs(entries.find((e) => e.subject === 'envelope' && e.version === version)!.schema, entries) as unknown as ObjectSchema;
  /** What a publisher sends: the envelope without the hub's commit attributes, of either version. */
  const publisherPart = (schema: ObjectSchema) => {
    const hub = new Set<string>([...COMMIT_ATTRIBUTES, ...Object.keys(V2_COMMIT_ATTRIBUTES)]);
    return { ...schema, properties: Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !hub.has(name))) } as JsonSchema;
  };
  beforeAll(async () => {
    entries = await readSchemaDirectory(defaultSchemasDir());
  });

  it('the compatibility check of v3 against v2: incompatible both ways, on the commit attributes and nothing else', () => {
    const v2 = envelope(2);
    const v3 = envelope(3);
    expect(checkCompatibility(v3 as JsonSchema, [v2 as JsonSchema], 'FULL')).toEqual({
      compatible: false,
      incompatibilities: [
        { path: '/additionalProperties', direction: 'backward', reason: 'property "sequence" is no longer allowed: data written with the old schema may contain it' },
        { path: '/additionalProperties', direction: 'backward', reason: 'property "position" is no longer allowed: data written with the old schema may contain it' },
        { path: '/additionalProperties', direction: 'forward', reason: 'property "caserevision" was not allowed by the old schema: data written with the new schema may contain it, which the old schema rejects' },
        { path: '/additionalProperties', direction: 'forward', reason: 'property "logposition" was not allowed by the old schema: data written with the new schema may contain it, which the old schema rejects' },
      ],
    });
    // What publishers send is the same contract in v2 and v3: FULL compatible, so v2 publishers need no change.
    expect(checkCompatibility(publisherPart(v3), [publisherPart(v2)], 'FULL')).toEqual({ compatible: true, incompatibilities: [] });
  });

  it('a committed v2 event reads as v3 through the envelope upcaster, then validates as committed', async () => {
    const validator = new EventValidator(entries);
    const v2 = JSON.parse(readFileSync(join(defaultSchemasDir(), 'envelope/v2.committed.example.json'), 'utf8')) as CaseEventEnvelope;
    expect(validator.validate(v2, { stage: 'committed' })).toMatchObject({ valid: false, errors: [{ pointer: '/sequence' }, { pointer: '/position' }] });
    expect(validator.validate(upcast(v2), { stage: 'committed' })).toMatchObject({ valid: true });
  });
});
