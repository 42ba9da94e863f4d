import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');

/** `npm start` as a user runs it, in a process group of its own (as a terminal's foreground job). */
function npmStart() {
  const dir = mkdtempSync(join(tmpdir(), 'passerelle-start-'));
  const child = spawn('npm', ['start'], {
    cwd: ROOT,
    detached: true,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', LOG_LEVEL: 'info', PASSERELLE_DATA_DIR: join(dir, 'data'), PASSERELLE_KEYS_DIR: join(dir, 'keys') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  const logs = () => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; url?: string });
  const listening = async (): Promise<string> => {
    const deadline = Date.now() + 180_000;
    for (;;) {
      const line = logs().find((l) => l.msg.includes('listening'));
      if (line?.url) return line.url;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start is not listening: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  /** Whether any process of the group is left (npm, a shell, the hub). */
  const groupAlive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  return { child, exited, logs, listening, groupAlive, stderr: () => stderr };
}

describe('npm start and signals', () => {
  let started: ReturnType<typeof npmStart> | undefined;
  afterEach(() => {
    // Whatever the outcome, nothing of this test stays running.
    if (started?.groupAlive()) process.kill(-started.child.pid!, 'SIGKILL');
  });

  it.each([
    ['SIGTERM to the npm process (an orchestrator, kill <pid>)', (pid: number) => process.kill(pid, 'SIGTERM')],
    ['SIGINT to the whole process group (Ctrl-C in a terminal)', (pid: number) => process.kill(-pid, 'SIGINT')],
    // The hub gets each SIGINT twice (from the terminal, and npm's forwarded copy): never fatal.
    ['Ctrl-C pressed twice', (pid: number) => [1, 2].forEach(() => process.kill(-pid, 'SIGINT'))],
  ])('%s reaches the hub, which closes everything; npm exits 0 and nothing is left running', async (_how, signal) => {
    const hub = (started = npmStart());
    const url = await hub.listening();
    expect((await fetch(`${url}/health/live`)).status).toBe(200);

    signal(hub.child.pid!);

    // With the hub's own last words: a failure says whether it had closed everything by then.
    const exited = await hub.exited;
    expect({ exited, last: hub.logs().slice(-3).map((l) => l.msg) }).toEqual({ exited: { code: 0, signal: null }, last: expect.arrayContaining(['hub stopped']) as unknown });
    expect(hub.logs().map((l) => l.msg)).toEqual(expect.arrayContaining(['hub stopping', 'hub stopped']));
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    expect(hub.groupAlive()).toBe(false);
  }, 300_000);
});
