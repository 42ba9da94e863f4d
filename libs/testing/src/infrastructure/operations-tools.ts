import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { aptInstall } from './apt';
import { MissingPrerequisite } from './prerequisite';

const run = promisify(execFile);

/** The operators' tools the deployment checks run: Prometheus' promtool and server, docker-compose. */
export interface OperationsTools {
  promtool: string;
  prometheus: string;
  dockerCompose: string;
  description: string;
}

/** Command → the Debian package that ships it. */
const PACKAGES = { promtool: 'prometheus', prometheus: 'prometheus', 'docker-compose': 'docker-compose' } as const;

async function which(command: string): Promise<string | undefined> {
  try {
    const { stdout } = await run('sh', ['-c', `command -v ${command}`]);
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Finds promtool, prometheus and docker-compose on PATH. Where one is missing and the run is
 * root on a Debian-like machine (CI on a fresh machine is), installs the Debian packages that
 * ship them — the same as `apt-get install -y prometheus docker-compose` by hand — so `npm
 * test` needs no manual step; otherwise fails with one line saying what to install.
 */
export async function provideOperationsTools(): Promise<OperationsTools> {
  const commands = Object.keys(PACKAGES) as Array<keyof typeof PACKAGES>;
  let found = await Promise.all(commands.map(which));
  const missing = commands.filter((_, i) => !found[i]);
  let installed = '';
  if (missing.length > 0) {
    const packages = [...new Set(missing.map((c) => PACKAGES[c]))];
    const hint = `install the Debian package(s) ${packages.join(' ')} (apt-get install -y ${packages.join(' ')}), or put ${missing.join(', ')} on PATH`;
    if (process.getuid?.() !== 0 || !(await which('apt-get'))) throw new MissingPrerequisite(`${missing.join(', ')} not found: ${hint}`);
    try {
      await aptInstall(packages);
    } catch (err) {
      const detail = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim().split('\n').pop();
      throw new MissingPrerequisite(`${missing.join(', ')} not found and apt-get could not install ${packages.join(' ')} (${detail}): ${hint}`);
    }
    installed = ` (installed ${packages.join(' ')} with apt-get)`;
    found = await Promise.all(commands.map(which));
    const still = commands.filter((_, i) => !found[i]);
    if (still.length > 0) throw new MissingPrerequisite(`${still.join(', ')} still not on PATH after installing ${packages.join(' ')}: ${hint}`);
  }
  const [promtool, prometheus, dockerCompose] = found as [string, string, string];
  const { stdout } = await run(promtool, ['--version']);
  const version = /version (\S+)/.exec(stdout)?.[1] ?? 'unknown version';
  return { promtool, prometheus, dockerCompose, description: `promtool ${version} at ${promtool}, ${dockerCompose}${installed}` };
}
