import { execFile } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** How long another apt-get (the machine's own, or a second test run's) may hold apt's locks. */
const LOCK_WAIT_MS = 300_000;
const LOCKED = /Could not get lock|Unable to lock/;

/**
 * Installs Debian packages as `apt-get update && apt-get install -y` would by hand. apt-get
 * waits for the package database's lock (DPkg::Lock::Timeout) but not for the package lists'
 * one that `update` takes: that one is tried again every few seconds, for up to five
 * minutes, saying so on stderr. Rejects with apt-get's error otherwise. Recommended packages
 * only when asked (a browser's fonts).
 */
export async function aptInstall(packages: readonly string[], { recommends = false } = {}): Promise<void> {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const options = { env, timeout: 600_000, maxBuffer: 64 * 1024 * 1024 };
  for (const deadline = Date.now() + LOCK_WAIT_MS; ; ) {
    try {
      await run('apt-get', ['update', '-qq'], options);
      break;
    } catch (err) {
      const stderr = String((err as { stderr?: string }).stderr ?? '');
      if (!LOCKED.test(stderr) || Date.now() > deadline) throw err;
      process.stderr.write(`apt-get update: another apt-get holds the package lists (${stderr.trim().split('\n')[0]}); trying again in 5 s\n`);
      await sleep(5_000);
    }
  }
  await run('apt-get', ['-o', `DPkg::Lock::Timeout=${LOCK_WAIT_MS / 1000}`, 'install', '-y', '-qq', ...(recommends ? [] : ['--no-install-recommends']), ...packages], options);
}
