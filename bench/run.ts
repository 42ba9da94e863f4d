import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendBenchmark } from './append.bench';
import { consoleBenchmark } from './console.bench';
import { e2eBenchmark, kafkaClientsBenchmark, observabilityBenchmark, sealingBenchmark, soakBenchmark } from './e2e.bench';
import { httpBenchmark } from './http.bench';
import { Infrastructure } from './infrastructure';
import { insightsBenchmark } from './insights.bench';
import { machine, spread, type Figure } from './measure';
import { replayBenchmark } from './replay.bench';
import { validateBenchmark } from './validate.bench';
import { verifyBenchmark } from './verify.bench';
import { viewsBenchmark } from './views.bench';

/**
 * `npm run bench [-- name...]`: runs the benchmarks, prints a table and writes
 * bench/results/latest.json. Every figure has its baseline measured in the same run. Kafka
 * and PostgreSQL come up as for `npm test` (or from KAFKA_BROKERS and DATABASE_URL).
 */
const BENCHMARKS: Record<string, (infra: Infrastructure) => Promise<Figure[]>> = {
  validate: validateBenchmark,
  verify: verifyBenchmark,
  append: appendBenchmark,
  replay: replayBenchmark,
  views: viewsBenchmark,
  http: httpBenchmark,
  e2e: e2eBenchmark,
  observability: observabilityBenchmark,
  sealing: sealingBenchmark,
  insights: insightsBenchmark,
  soak: soakBenchmark,
  console: consoleBenchmark,
  'kafka-clients': kafkaClientsBenchmark,
};
/** Run only when named: the soak alone takes ten minutes; the client comparison is for issue 17's decision. */
const ON_REQUEST = new Set(['soak', 'kafka-clients']);

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(BENCHMARKS).join(', ')}`);
  const figures: Figure[] = [];
  const failed: string[] = [];
  const infra = new Infrastructure();
  // Interrupted: still stop the broker and drop the databases this run made.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}: stopping what this run started…\n`);
      void infra.stop().finally(() => process.exit(130));
    });
  }
  const started = Date.now();
  let host: Record<string, string>;
  try {
    for (const [name, run] of Object.entries(BENCHMARKS)) {
      if (wanted.length > 0 ? !wanted.includes(name) : ON_REQUEST.has(name)) continue;
      process.stderr.write(`bench: ${name}…\n`);
      // One benchmark failing does not lose the figures of the others.
      try {
        figures.push(...(await run(infra)));
      } catch (err) {
        failed.push(name);
        process.stderr.write(`bench: ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
      }
    }
    host = machine({ postgres: await infra.postgresDescription(), kafka: await infra.kafkaDescription(), duration: `${Math.round((Date.now() - started) / 1000)} s` });
  } finally {
    await infra.stop();
  }
  const rows = figures.map((f) => [
    f.benchmark,
    `${format(f.value)} ${f.unit} ${spread(f.rounds)}`,
    f.baseline ? `${format(f.baseline.value)} (${f.baseline.name}) ${spread(f.baseline.rounds)}` : '',
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}×`,
    verdict(f),
  ]);
  const header = ['benchmark', 'figure (median, spread)', 'baseline, same run', 'ratio', 'goal'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const notes = figures.filter((f) => f.note).map((f) => `- ${f.benchmark}: ${f.note}`);
  process.stdout.write(
    `machine: ${Object.entries(host).map(([k, v]) => `${k} ${v}`).join(', ')}\n\n${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n${rows.map(line).join('\n')}\n${notes.length > 0 ? `\n${notes.join('\n')}\n` : ''}`,
  );
  const dir = join(__dirname, '..', '..', 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify({ at: new Date().toISOString(), machine: host, figures, ...(failed.length > 0 ? { failed } : {}) }, null, 2)}\n`);
  if (failed.length > 0) {
    process.stderr.write(`bench: failed: ${failed.join(', ')} (above); the others' figures are printed and kept\n`);
    process.exitCode = 1;
  }
}

function format(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(2);
}

function verdict(f: Figure): string {
  if (!f.goal) return '';
  if (f.goal.ratio !== undefined && f.ratio !== undefined) {
    const met = f.goal.lowerIsBetter ? f.ratio <= f.goal.ratio : f.ratio >= f.goal.ratio;
    return `${f.goal.lowerIsBetter ? '≤' : '≥'} ${f.goal.ratio}× ${met ? 'met' : 'NOT MET'}`;
  }
  if (f.goal.value !== undefined) {
    const met = f.goal.lowerIsBetter ? f.value <= f.goal.value : f.value >= f.goal.value;
    return `${f.goal.lowerIsBetter ? '≤' : '≥'} ${format(f.goal.value)} ${met ? 'met' : 'NOT MET'}`;
  }
  return '';
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${(err as Error).message}\n`);
  process.exit(1);
});
