import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { mintToken, readKeyFile, signEvent } from '@passerelle/identity';
import { CHROMIUM_ARGS, CHROMIUM_PATH, caseEvent } from '@passerelle/testing';
import { chromium } from 'playwright-core';
import { median, type Figure } from './measure';

const ROOT = join(__dirname, '..', '..');
const CASES = 1_000;
const ROUNDS = 7;

/**
 * Run in the page, polled at each frame: milliseconds from the start of the navigation to the end
 * of the frame in which `selector` first matches. Found in a frame's animation callback, a task
 * queued from there runs once that frame's style, layout and paint are done; no protocol round
 * trip is counted. It uses the page's own globals (not this module's imports, which the compiler
 * would rename).
 */
function painted({ selector, flag }: { selector: string; flag: string }): number {
  const page = globalThis as unknown as { document: { querySelector(s: string): unknown }; performance: { now(): number }; setTimeout(f: () => void, ms: number): void; __painted?: Record<string, number | undefined> };
  const seen = (page.__painted ??= {});
  if (seen[flag]) return seen[flag];
  if (!(flag in seen) && page.document.querySelector(selector)) {
    seen[flag] = undefined;
    page.setTimeout(() => (seen[flag] = page.performance.now()), 0);
  }
  return 0;
}

/**
 * The console's case list on the embedded hub (PGlite, in-process bus, demo federation) with
 * 1,000 cases: from navigation to the thousandth row drawn in Chromium, against the same run's
 * bare `GET /cases?limit=1000` (what the API alone costs). Goal: under 1 s.
 */
export async function consoleBenchmark(): Promise<Figure[]> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-bench-console-'));
  const child = spawn(process.execPath, [join(ROOT, 'dist/apps/hub/src/main.js')], {
    env: { PATH: process.env.PATH, PORT: '0', HOST: '127.0.0.1', PASSERELLE_DATA_DIR: join(dir, 'data'), PASSERELLE_KEYS_DIR: join(dir, 'keys'), PASSERELLE_CHECKPOINT_INTERVAL: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const found = /"url":"(http:\/\/[^"]+)"[^\n]*listening/.exec(out);
        if (found) resolve(found[1]!);
      });
      child.once('exit', () => reject(new Error('the hub ended before listening')));
    });
    child.stdout!.resume();
    const key = await readKeyFile(join(dir, 'keys'), 'demo.transport');
    const signing = { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg };
    const token = await mintToken({ iss: key.issuer, sub: 'demo.transport/bench', roles: ['publisher', 'subscriber'], ttlSeconds: 3_000 }, signing);

    process.stderr.write(`bench: console: opening ${CASES} cases…\n`);
    let next = 0;
    const open = async () => {
      while (next < CASES) {
        const i = next++;
        const caseId = `case-bench-${String(i).padStart(4, '0')}`;
        const envelope = await caseEvent('demo.transport', caseId, 'CaseOpened', { owner: 'demo.transport', citizen: `cit-${i}`, title: `Dossier ${i}`, openedAt: new Date().toISOString() });
        const response = await fetch(`${url}/cases/${caseId}/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'passerelle-signature': await signEvent(envelope, signing), 'content-type': 'application/json' },
          body: JSON.stringify(envelope),
        });
        if (response.status !== 201) throw new Error(`case ${caseId}: ${response.status} ${await response.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, open));

    const browserDir = await mkdtemp(join(tmpdir(), 'passerelle-bench-chromium-'));
    const context = await chromium.launchPersistentContext(browserDir, { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true, locale: 'fr-FR', viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const session = JSON.stringify({ token, organization: { id: 'demo.transport', name: 'Vehicle and Licensing Agency (demo)' }, roles: ['publisher', 'subscriber'], expiresAt: new Date(Date.now() + 3_000_000).toISOString(), via: 'token' });
      await page.addInitScript((s) => sessionStorage.setItem('passerelle.session', s), session);
      const page_: number[] = [];
      const first: number[] = [];
      const api: number[] = [];
      // Where the page's time goes, from Chromium's own counters (DevTools protocol) and the
      // console's performance marks: the list's answer received, the rows drawn.
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      const counters = async () => Object.fromEntries(((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics.map((m) => [m.name, m.value]));
      const breakdown: Array<Record<string, number>> = [];
      for (let round = 0; round < ROUNDS + 1; round++) {
        // From a blank page each round: a navigation to the same URL would only move the fragment.
        await page.goto('about:blank');
        const before_ = await counters();
        await page.goto(`${url}/console/#/cases`, { waitUntil: 'commit' });
        const usable = await page.waitForFunction(painted, { selector: '[data-testid=cases] tbody tr', flag: 'first' }, { polling: 'raf', timeout: 60_000 });
        const firstMs = (await usable.jsonValue()) as number;
        const drawn = await page.waitForFunction(painted, { selector: `[data-testid=cases] tbody tr:nth-child(${CASES})`, flag: 'all' }, { polling: 'raf', timeout: 60_000 });
        const pageMs = (await drawn.jsonValue()) as number;
        const after_ = await counters();
        const received = await page.evaluate(() => (globalThis as unknown as { performance: { getEntriesByName(n: string): Array<{ startTime: number }> } }).performance.getEntriesByName('cases:received')[0]?.startTime ?? NaN);
        const delta = (name: string) => Math.round(((after_[name] ?? 0) - (before_[name] ?? 0)) * 1000);
        breakdown.push({ received: Math.round(received), script: delta('ScriptDuration'), layout: delta('LayoutDuration'), style: delta('RecalcStyleDuration'), tasks: delta('TaskDuration') });
        const before = performance.now();
        const listed = (await (await fetch(`${url}/cases?limit=${CASES}`, { headers: { authorization: `Bearer ${token}` } })).json()) as unknown[];
        const apiMs = performance.now() - before;
        if (listed.length !== CASES) throw new Error(`GET /cases listed ${listed.length} cases, not ${CASES}`);
        if (round === 0) continue; // warm-up: first compile of the page and the query
        page_.push(pageMs);
        first.push(firstMs);
        api.push(apiMs);
      }
      const value = median(page_);
      const base = median(api);
      const part = (name: string) => Math.round(median(breakdown.slice(1).map((b) => b[name]!)));
      const where = `list answer in the page at ${part('received')} ms; main thread busy ${part('tasks')} ms, of which script ${part('script')}, style ${part('style')}, layout ${part('layout')} (medians, Chromium's Performance.getMetrics)`;
      process.stderr.write(`bench: console: ${where}\n`);
      return [
        {
          benchmark: 'console: case list, first rows drawn (1,000 cases)',
          note: 'from the start of the navigation to the end of the frame that first holds a row, its layout and paint included',
          unit: 'ms',
          value: median(first),
          rounds: first,
          baseline: { name: 'GET /cases?limit=1000 alone', value: base, rounds: api },
          ratio: median(first) / base,
          goal: { value: 1_000, lowerIsBetter: true },
        },
        {
          benchmark: 'console: case list, 1,000 cases (embedded)',
          unit: 'ms',
          value,
          rounds: page_,
          baseline: { name: 'GET /cases?limit=1000 alone', value: base, rounds: api },
          ratio: value / base,
          goal: { value: 1_000, lowerIsBetter: true },
          note: `from the start of the navigation to the end of the frame holding the 1,000th row, its layout and paint included (performance.now() in the page), Debian’s Chromium headless, assets cached after the first round; ${where}`,
        },
      ];
    } finally {
      await context.close();
      await rm(browserDir, { recursive: true, force: true });
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}
