import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CaseEventEnvelope } from '../envelope/envelope';
import { upcast } from '../upcasting/upcasters';
import { EventValidator } from '../validation/event-validator';
import { defaultSchemasDir, readSchemaDirectory } from './schema-catalog';
import { eventTypeOf, parseSchemaId } from './schema-id';

/**
 * Every golden example under schemas/ is checked: `v<N>.example.json` validates,
 * `v<N>.invalid-*.json` fails with the error its `expect` records.
 */
const dir = defaultSchemasDir();
const files = readdirSync(dir, { recursive: true }) as string[];
const schemaFiles = files.filter((f) => f.endsWith('.schema.json'));
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

interface Expectation {
  path: string;
  keyword: string;
  missingProperty?: string;
  additionalProperty?: string;
}

const cases = schemaFiles.flatMap((schemaFile) => {
  const base = schemaFile.replace(/\.schema\.json$/, '');
  const ref = parseSchemaId(String(read(schemaFile).$id))!;
  return files
    .filter((f) => f.startsWith(`${base}.`) && f !== schemaFile && f.endsWith('.json'))
    .map((example) => ({ example, ref, valid: example.endsWith('.example.json') }));
});

describe('golden examples in schemas/', () => {
  let validator: EventValidator;
  beforeAll(async () => {
    validator = new EventValidator(await readSchemaDirectory(dir));
  });

  it('has an example for every event schema', () => {
    const events = schemaFiles.filter((f) => parseSchemaId(String(read(f).$id))!.subject.includes('.'));
    for (const schemaFile of events) {
      expect(files).toContain(schemaFile.replace(/\.schema\.json$/, '.example.json'));
    }
  });

  it.each(cases.map((c) => [c.example, c]))('%s', (_name, { example, ref, valid }) => {
    const content = read(example);
    const isEnvelope = !ref.subject.includes('.');
    const document = valid ? content : content.document;
    // A committed envelope (`v<N>.committed.example.json`, as subscribers receive it) reads as the current version through upcasting.
    const committed = example.includes('.committed.');
    const result = isEnvelope ? validator.validate(committed ? upcast(document as unknown as CaseEventEnvelope) : document, { stage: committed ? 'committed' : 'publish' }) : validator.validateData(eventTypeOf(ref), document);

    if (valid) {
      expect(result).toMatchObject({ valid: true });
      return;
    }
    expect(result.valid).toBe(false);
    const errors = result.valid ? [] : result.errors;
    for (const expected of content.expect as Expectation[]) {
      const property = expected.missingProperty ?? expected.additionalProperty;
      const pointer = property === undefined ? expected.path : `${expected.path}/${property}`;
      expect(errors).toContainEqual(expect.objectContaining({ pointer, keyword: expected.keyword }));
    }
  });
});
