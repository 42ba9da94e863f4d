import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { listeningUrl, spawnTarget, terminate, type TargetProcess } from './support/target-process';

const ROOT = resolve(__dirname, '..');
const exec = promisify(execFile);

/** Every `$ npx passerelle …` of the README's text blocks, in order, with the output shown under it. */
async function readmeSession(): Promise<Array<{ command: string; shown: string[] }>> {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  const steps: Array<{ command: string; shown: string[] }> = [];
  for (const block of readme.matchAll(/```text\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.split('\n')) {
      if (line.startsWith('$ ')) steps.push({ command: line.slice(2), shown: [] });
      else if (steps.length > 0 && line !== '' && block[1]!.includes('$ ')) steps.at(-1)!.shown.push(line);
    }
  }
  return steps;
}

/** The shell words of a command line: plain words and "double-quoted" ones. */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

/** What changes from one run to the next: instants, chain hashes, whether a checkpoint was signed yet. */
const masked = (line: string) =>
  line
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<instant>')
    .replace(/\b[0-9a-f]{64}\b/g, '<hash>')
    .replace(/, checkpoint of <instant>\)/g, ')')
    .replace(/checkpoint of <instant>|no checkpoint yet/g, '<checkpoint>');

/**
 * The README's sessions, run as shown against `npm start`'s hub (embedded, demo federation, a
 * fresh data folder): each command prints what the README shows under it, up to instants and
 * hashes, which differ from run to run.
 */
describe('the README, run as shown', () => {
  let hub: TargetProcess | undefined;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'passerelle-readme-'));
    await symlink(join(ROOT, 'docs'), join(dir, 'docs'));
  });
  afterAll(async () => {
    if (hub) await terminate(hub);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints what the README shows under each command', async () => {
    hub = spawnTarget('hub', { PASSERELLE_DATA_DIR: join(dir, '.passerelle/data'), PASSERELLE_KEYS_DIR: join(dir, '.passerelle/keys') }, dir);
    const url = await listeningUrl(hub, 180_000);
    const env = { PATH: process.env.PATH, PASSERELLE_HUB: url, PASSERELLE_KEYS_DIR: join(dir, '.passerelle/keys') };
    const passerelle = async (args: string[]): Promise<string[]> => {
      const run = await exec(process.execPath, [join(ROOT, 'bin/passerelle.js'), ...args], { cwd: dir, env }).catch((err: { stdout: string; stderr: string }) => err);
      return `${run.stdout}${run.stderr}`.split('\n').filter((l) => l !== '');
    };

    const steps = await readmeSession();
    expect(steps.length).toBeGreaterThanOrEqual(10);
    for (const { command, shown } of steps) {
      let printed: string[];
      const loop = /^for f in ([\w -]+); do npx passerelle (.*) docs\/examples\/\$f\.json (.*); done$/.exec(command);
      if (loop) {
        printed = [];
        for (const f of loop[1]!.split(' ')) printed.push(...(await passerelle([...words(loop[2]!), `docs/examples/${f}.json`, ...words(loop[3]!)])));
      } else {
        expect(command).toMatch(/^npx passerelle /);
        // The README runs --all "with the hub stopped".
        if (command.includes('--all') && hub) {
          await terminate(hub);
          hub = undefined;
        }
        printed = await passerelle(words(command).slice(2));
      }
      expect({ command, printed: printed.map(masked) }).toEqual({ command, printed: shown.map(masked) });
    }
  }, 600_000);
});
