import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemasDir, readSchemaDirectory } from './schema-catalog';
import { generateEventTypes } from './type-generation';

describe('generated event types (libs/contracts/src/generated/case-events.ts)', () => {
  it('match what the schemas generate today (run npm run generate after changing schemas/)', async () => {
    const generated = await generateEventTypes(await readSchemaDirectory(defaultSchemasDir()));
    expect(readFileSync(join(__dirname, '../generated/case-events.ts'), 'utf8')).toBe(generated);
  }, 60_000);
});
