import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { kafkaEnvironment, type KafkaSecurityFiles } from '@passerelle/testing';

const run = promisify(execFile);
const SCRIPT = resolve(__dirname, '../../deploy/kafka/kafka.mjs');

export interface PrivateKafka {
  brokers: string[];
  /** SASL_SSL: the CA clients trust and the hub's key ring, both kept in the broker's folder. */
  security: KafkaSecurityFiles;
  /** What a hub process needs to reach it (KAFKA_BROKERS, KAFKA_CA_FILE, PASSERELLE_KAFKA_ISSUER_KEYS). */
  env: Record<string, string>;
  /** SIGTERM, then SIGKILL if it lingers: the broker is gone until start(). */
  stop(): Promise<void>;
  /** Starts again on the same folder and ports: what was written survives, and so do its CA and keys. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/** A secured broker of the test's own (deploy/kafka), which the test may stop and start at will. */
export async function startPrivateKafka(port: number, controllerPort: number): Promise<PrivateKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-faults-kafka-'));
  const start = async () => {
    await run(process.execPath, [SCRIPT, 'start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort), '--timeout', '90']);
  };
  const stop = async () => {
    await run(process.execPath, [SCRIPT, 'stop', '--dir', dir]).catch(() => undefined);
  };
  await start();
  const state = JSON.parse(await readFile(join(dir, 'broker.json'), 'utf8')) as { ca: string; issuerKeys: string };
  const brokers = [`127.0.0.1:${port}`];
  const security: KafkaSecurityFiles = { kind: 'sasl_ssl', caFile: state.ca, issuerKeys: state.issuerKeys };
  return {
    brokers,
    security,
    env: kafkaEnvironment({ brokers, security }),
    start,
    stop,
    destroy: async () => {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
