import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '@passerelle/contracts';
import { promisify } from 'node:util';
import { MissingPrerequisite } from './prerequisite';

/** How clients reach a broker: SASL_SSL with the hub's key ring and CA, or (asked for) plaintext. */
export type KafkaSecurityFiles = { kind: 'sasl_ssl'; caFile: string; issuerKeys: string } | { kind: 'plaintext' };

export interface ProvidedKafka {
  brokers: string[];
  security: KafkaSecurityFiles;
  description: string;
  /** The folder the broker keeps its data, certificates, key ring and log in (local brokers). */
  dir?: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const script = join(projectRoot(), 'deploy/kafka/kafka.mjs');

/** The environment a hub process needs to reach this broker (KAFKA_BROKERS and its security). */
export function kafkaEnvironment(kafka: { brokers: string[]; security: KafkaSecurityFiles }): Record<string, string> {
  const env: Record<string, string> = { KAFKA_BROKERS: kafka.brokers.join(',') };
  if (kafka.security.kind === 'plaintext') return { ...env, KAFKA_SECURITY: 'plaintext' };
  return { ...env, KAFKA_CA_FILE: kafka.security.caFile, PASSERELLE_KAFKA_ISSUER_KEYS: kafka.security.issuerKeys };
}

/**
 * Kafka from KAFKA_BROKERS (with KAFKA_CA_FILE and PASSERELLE_KAFKA_ISSUER_KEYS, or
 * KAFKA_SECURITY=plaintext); else a local secured broker from Maven jars (deploy/kafka).
 * `plaintext` starts the unsafe listener instead, for the bench's secured-vs-plaintext
 * figure; `reauthMs` shortens connections.max.reauth.ms.
 */
export async function provideKafka(options: { plaintext?: boolean; reauthMs?: number } = {}): Promise<ProvidedKafka> {
  if (process.env.KAFKA_BROKERS && !options.plaintext) {
    const security: KafkaSecurityFiles =
      process.env.KAFKA_SECURITY === 'plaintext'
        ? { kind: 'plaintext' }
        : { kind: 'sasl_ssl', caFile: required('KAFKA_CA_FILE'), issuerKeys: required('PASSERELLE_KAFKA_ISSUER_KEYS') };
    return { brokers: process.env.KAFKA_BROKERS.split(','), security, description: `external Kafka at ${process.env.KAFKA_BROKERS} (${security.kind})`, stop: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-kafka-'));
  const [port, controllerPort] = await freePorts(2);
  try {
    const args = [script, 'start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort), '--timeout', '120'];
    if (options.plaintext) args.push('--plaintext');
    if (options.reauthMs) args.push('--reauth-ms', String(options.reauthMs));
    const { stdout } = await run(process.execPath, args);
    const version = /^Kafka (\S+) ready/.exec(stdout)?.[1] ?? 'unknown';
    const state = JSON.parse(await readFile(join(dir, 'broker.json'), 'utf8')) as { security: string; ca?: string; issuerKeys?: string };
    const security: KafkaSecurityFiles = state.security === 'SASL_SSL' ? { kind: 'sasl_ssl', caFile: state.ca!, issuerKeys: state.issuerKeys! } : { kind: 'plaintext' };
    return {
      brokers: [`127.0.0.1:${port}`],
      security,
      dir,
      description: `Apache Kafka ${version} (local broker from Maven Central, ${state.security}, ${dir})`,
      stop: async () => {
        await run(process.execPath, [script, 'stop', '--dir', dir]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    await rm(dir, { recursive: true, force: true });
    throw new MissingPrerequisite(`no Kafka for the tests: ${stderr || (err as Error).message} (or set KAFKA_BROKERS=host:port with KAFKA_CA_FILE and PASSERELLE_KAFKA_ISSUER_KEYS)`);
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new MissingPrerequisite(`KAFKA_BROKERS is set, so ${name} must be too (or KAFKA_SECURITY=plaintext for an unsecured broker)`);
  return value;
}

/** Ports free right now on 127.0.0.1 (Kafka needs fixed ports: port 0 opens too early). */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => new Promise<ReturnType<typeof createServer>>((ok) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => ok(server));
    })),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((ok) => s.close(ok))));
  return ports;
}
