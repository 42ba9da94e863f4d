#!/usr/bin/env node
// Summarises a V8 CPU profile (`node --cpu-prof`, or the bench's PASSERELLE_BENCH_CPU_PROF):
// where the process spent its samples, by package or project folder, then by function
// (self time, i.e. the function's own code, not what it called).
//
//   node scripts/cpu-profile.mjs <file.cpuprofile> [--top N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } });
if (positionals.length !== 1) {
  process.stderr.write('usage: node scripts/cpu-profile.mjs <file.cpuprofile> [--top N]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const top = Number(values.top);

const selfSamples = new Map(profile.nodes.map((n) => [n.id, 0]));
for (const id of profile.samples) selfSamples.set(id, selfSamples.get(id) + 1);
const total = profile.samples.length;

/** node_modules/<package>, a project folder (apps/x, libs/y), node's own, or V8's bookkeeping. */
function placeOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  const project = /\/dist\/((?:apps|libs|bench)\/[^/]+)/.exec(url);
  if (project) return project[1];
  if (url.startsWith('node:')) return 'node:' + url.slice(5).split('/')[0];
  return url;
}

const byPlace = new Map();
const byFunction = new Map();
for (const node of profile.nodes) {
  const samples = selfSamples.get(node.id);
  if (samples === 0) continue;
  const place = placeOf(node.callFrame);
  byPlace.set(place, (byPlace.get(place) ?? 0) + samples);
  const name = `${node.callFrame.functionName || '(anonymous)'}  ${place}${node.callFrame.url ? `:${node.callFrame.lineNumber + 1}` : ''}`;
  byFunction.set(name, (byFunction.get(name) ?? 0) + samples);
}

const seconds = (profile.endTime - profile.startTime) / 1e6;
const share = (n) => `${((100 * n) / total).toFixed(1).padStart(5)} %`;
const rows = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, n]) => `${share(n)}  ${name}`).join('\n');
process.stdout.write(`${positionals[0]}: ${total} samples over ${seconds.toFixed(1)} s\n\nself time by place\n${rows(byPlace)}\n\nself time by function\n${rows(byFunction)}\n`);
