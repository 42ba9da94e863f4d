import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '@passerelle/contracts';
import { promisify } from 'node:util';
import { dockerAvailable } from './docker';
import { MissingPrerequisite } from './prerequisite';

export interface ProvidedKafka {
  brokers: string[];
  description: string;
  stop(): Promise<void>;
}

const run = promisify(execFile);
const script = join(projectRoot(), 'deploy/kafka/kafka.mjs');
/** The Confluent image carrying the same Kafka line as deploy/kafka/pom.xml (cp 8.1 = Kafka 4.1). */
const KAFKA_IMAGE = 'confluentinc/cp-kafka:8.1.0';

/** Kafka from KAFKA_BROKERS; else a container when Docker answers; else a local broker from Maven jars. */
export async function provideKafka(): Promise<ProvidedKafka> {
  if (process.env.KAFKA_BROKERS) {
    return { brokers: process.env.KAFKA_BROKERS.split(','), description: `external Kafka at ${process.env.KAFKA_BROKERS}`, stop: async () => {} };
  }
  if (await dockerAvailable()) {
    const { KafkaContainer } = await import('@testcontainers/kafka');
    const container = await new KafkaContainer(KAFKA_IMAGE).start();
    return {
      brokers: [`${container.getHost()}:${container.getMappedPort(9093)}`],
      description: `${KAFKA_IMAGE} (testcontainers)`,
      stop: async () => {
        await container.stop();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-kafka-'));
  const [port, controllerPort] = await freePorts(2);
  try {
    const { stdout } = await run(process.execPath, [script, 'start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort)]);
    const version = /^Kafka (\S+) ready/.exec(stdout)?.[1] ?? 'unknown';
    return {
      brokers: [`127.0.0.1:${port}`],
      description: `Apache Kafka ${version} (local broker from Maven Central, ${dir})`,
      stop: async () => {
        await run(process.execPath, [script, 'stop', '--dir', dir]);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim();
    await rm(dir, { recursive: true, force: true });
    throw new MissingPrerequisite(`no Kafka for the tests: ${stderr || (err as Error).message} (or set KAFKA_BROKERS=host:port)`);
  }
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
