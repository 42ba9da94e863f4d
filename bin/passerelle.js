#!/usr/bin/env node
// The `passerelle` command (package.json "bin"). `npm ci` builds dist/ through "prepare".
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const main = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write('passerelle: not built yet: run npm run build in the repository first\n');
  process.exit(2);
}
require(main);
