import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

export interface TargetProcess {
  child: ChildProcess;
  /** stdout lines, parsed as the JSON log lines they must be */
  logs: Array<Record<string, unknown>>;
  stderr: () => string;
  /** Resolves with the exit code (or signal name) once the process has ended. */
  exited: Promise<number | string>;
}

/** Runs a built app (`npm run build` output) as its own process, as an operator would. */
export function spawnTarget(app: string, env: Record<string, string | undefined>, cwd = ROOT): TargetProcess {
  const child = spawn(process.execPath, [resolve(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((ok) => child.once('exit', (code, signal) => ok(code ?? signal ?? 'unknown')));
  return { child, logs, stderr: () => stderr, exited };
}

/** Waits for the "listening" log line and returns its URL; fails with stderr if the process ends first. */
export async function listeningUrl(target: TargetProcess, timeoutMs = 180_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let ended = false;
  void target.exited.then(() => (ended = true));
  for (;;) {
    const line = target.logs.find((l) => typeof l.url === 'string' && String(l.msg).includes('listening'));
    if (line) return line.url as string;
    if (ended) throw new Error(`the process ended before listening: ${target.stderr()}`);
    if (Date.now() > deadline) throw new Error(`not listening after ${timeoutMs} ms: ${target.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Sends SIGTERM and returns the exit code. */
export async function terminate(target: TargetProcess): Promise<number | string> {
  target.child.kill('SIGTERM');
  return target.exited;
}
