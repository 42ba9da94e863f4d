import { existsSync } from 'node:fs';

/** True when a Docker engine answers; probed only if one could plausibly exist. */
export async function dockerAvailable(): Promise<boolean> {
  if (process.env.PASSERELLE_TEST_NO_DOCKER === '1') return false;
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}
