import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@asyncapi/parser';
import { defaultSchemasDir, projectRoot, projectVersion, readSchemaDirectory, type CatalogEntry } from '../catalog/schema-catalog';
import { asyncApiYaml } from './asyncapi-document';

const ROOT = projectRoot();
const VERSION = projectVersion();

describe('docs/asyncapi.yaml', () => {
  let entries: CatalogEntry[];
  beforeAll(async () => {
    entries = await readSchemaDirectory(defaultSchemasDir());
  });

  it('is what the catalog generates today (run npm run generate after changing schemas/)', () => {
    expect(readFileSync(join(ROOT, 'docs/asyncapi.yaml'), 'utf8')).toBe(asyncApiYaml(entries, VERSION));
  });

  it('parses as a valid AsyncAPI 3.0 document with every event type on the inbound and outbound channels', async () => {
    const { document, diagnostics } = await new Parser().parse(asyncApiYaml(entries, VERSION));
    const errors = diagnostics.filter((d) => d.severity === 0);

    expect(errors).toEqual([]);
    expect(document!.version()).toBe('3.0.0');
    const inbound = document!.channels().get('inbound')!;
    const names = inbound.messages().all().map((m) => m.name());
    expect(names).toContain('passerelle.case.CaseOpened.v1');
    expect(names).toContain('passerelle.case.AddressChanged.v2');
    expect(names).toHaveLength(entries.filter((e) => e.subject.includes('.')).length);
    expect(document!.channels().get('outbound')!.address()).toBe('passerelle.outbound.{organization}');
  }, 60_000);
});
