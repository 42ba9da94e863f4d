import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../deploy/kafka/kafka.mjs');

export interface PrivateKafka {
  brokers: string[];
  /** SIGTERM, then SIGKILL if it lingers: the broker is gone until start(). */
  stop(): Promise<void>;
  /** Starts again on the same folder and ports: what was written survives. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A broker of the test's own (deploy/kafka), which the test may stop and start at will. */
export async function startPrivateKafka(port: number, controllerPort: number): Promise<PrivateKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-faults-kafka-'));
  const start = async () => {
    await run(process.execPath, [SCRIPT, 'start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort), '--timeout', '90']);
  };
  const stop = async () => {
    await run(process.execPath, [SCRIPT, 'stop', '--dir', dir]).catch(() => undefined);
  };
  await start();
  return {
    brokers: [`127.0.0.1:${port}`],
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
