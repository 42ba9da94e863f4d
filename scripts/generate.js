#!/usr/bin/env node
// Regenerates what is derived from schemas/: the TypeScript event types and docs/asyncapi.yaml.
// Runs on the build output: `npm run generate` builds first.
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { asyncApiYaml, defaultSchemasDir, projectVersion, readSchemaDirectory } = require('../dist/libs/contracts/src');
// A dev-time generator, deliberately not part of the lib's index (its compiler is a dev dependency).
const { generateEventTypes } = require('../dist/libs/contracts/src/catalog/type-generation');

const root = join(__dirname, '..');

(async () => {
  const entries = await readSchemaDirectory(defaultSchemasDir());
  writeFileSync(join(root, 'libs/contracts/src/generated/case-events.ts'), await generateEventTypes(entries));
  writeFileSync(join(root, 'docs/asyncapi.yaml'), asyncApiYaml(entries, projectVersion()));
  process.stdout.write(`generated types and docs/asyncapi.yaml from ${entries.length} schemas\n`);
})().catch((err) => {
  process.stderr.write(`generate: ${err.message}\n`);
  process.exit(1);
});
