'use strict';
// The image's entry point: PASSERELLE_TARGET names one component (its own app runs, under
// its own name), or `all` or a comma-separated list (the hub runs those in one process; the
// hub says in one line which names it does not know).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const COMPONENTS = ['federation', 'schemas', 'ledger', 'relay', 'views', 'gateway', 'audit', 'insights'];
const target = (process.env.PASSERELLE_TARGET || 'all').trim();
const app = COMPONENTS.includes(target) ? target : 'hub';
const main = join(__dirname, 'dist', 'apps', app, 'src', 'main.js');
if (!existsSync(main)) {
  process.stderr.write(`passerelle: cannot start: ${main} is missing: the image was built without the ${app} app\n`);
  process.exit(1);
}
require(main);
