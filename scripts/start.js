#!/usr/bin/env node
// `npm start`: builds, then becomes the hub — in this very process, so that the signals npm
// forwards (SIGTERM) or the terminal sends (Ctrl-C) reach the hub itself, which closes
// everything and exits 0. A shell or a second node process in between would die of the
// signal and leave the hub running.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');

const root = join(__dirname, '..');
// npm puts itself on PATH for scripts; npm_execpath is the npm that runs this one.
const npm = process.env.npm_execpath;
const build = npm
  ? spawnSync(process.execPath, [npm, 'run', 'build', '--silent'], { cwd: root, stdio: 'inherit' })
  : spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(`passerelle hub: cannot start: the build failed${build.error ? ` (${build.error.message})` : ''}\n`);
  process.exit(1);
}
require(join(root, 'dist', 'apps', 'hub', 'src', 'main.js'));
