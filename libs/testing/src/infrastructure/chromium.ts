import { access, constants } from 'node:fs/promises';
import { aptInstall } from './apt';

/** Debian's Chromium, which the browser tests drive (playwright-core downloads no browser). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The flags a closed network needs: no sandbox (root in CI), nothing fetched in the
 * background (component updates, sync, field trials), no QUIC.
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Makes sure Chromium is there: as root with apt-get (CI on a fresh machine) it is installed
 * from Debian's packages. Resolves with how it was found, or with why it cannot be — a reason
 * the browser tests fail with, in one line, while every other test runs on.
 */
export async function provideChromium(): Promise<{ path?: string; description: string }> {
  if (await executable(CHROMIUM_PATH)) return { path: CHROMIUM_PATH, description: CHROMIUM_PATH };
  const root = process.getuid?.() === 0;
  if (!root || !(await executable('/usr/bin/apt-get'))) {
    return { description: `Chromium is missing at ${CHROMIUM_PATH}: install it (apt-get install -y chromium) or set CHROMIUM_PATH` };
  }
  try {
    await aptInstall(['chromium'], { recommends: true });
  } catch (err) {
    return { description: `Chromium is missing at ${CHROMIUM_PATH} and apt-get install -y chromium failed: ${String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop()}` };
  }
  return (await executable(CHROMIUM_PATH)) ? { path: CHROMIUM_PATH, description: `${CHROMIUM_PATH} (installed from Debian's packages)` } : { description: `apt-get installed chromium, yet ${CHROMIUM_PATH} is not there: set CHROMIUM_PATH` };
}
