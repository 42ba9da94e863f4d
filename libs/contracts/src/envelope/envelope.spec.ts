import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLASSIFICATIONS, defaultSchemasDir } from '../catalog/schema-catalog';
import { checkCompatibility, type JsonSchema } from '../compatibility/compatibility';
import { inlineCatalogRefs } from '../catalog/inline-refs';
import { readSchemaDirectory } from '../catalog/schema-catalog';
import { ENVELOPE_SCHEMA_ID } from '../validation/event-validator';
import { CLOUDEVENTS_CLASSIFICATION } from './envelope';

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
