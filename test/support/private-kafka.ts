import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaConnectionAs, kafkaEnvironment, type KafkaSecurityFiles } from '@passerelle/testing';

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
  /** Each node of the cluster: its id (Kafka's node id), client address and current pid. */
  nodes(): Promise<Array<{ id: number; address: string; pid: number }>>;
  /** SIGKILLs one node: no shutdown, as a crash or a power cut. */
  killNode(id: number): Promise<void>;
  /** Starts one stopped node again on its folder, once it has rejoined the others. */
  startNode(id: number): Promise<void>;
}

/**
 * A secured broker of the test's own (deploy/kafka), or a cluster of `nodes` (replication
 * factor 3, min.insync.replicas 2), which the test may stop, start and crash at will.
 * Client ports are `port` onwards, controller ports `controllerPort` onwards; a cluster's
 * replication listeners take the ports after those.
 */
export async function startPrivateKafka(port: number, controllerPort: number, nodes = 1): Promise<PrivateKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'passerelle-faults-kafka-'));
  const cluster = ['--nodes', String(nodes)];
  const start = async () => {
    await run(process.execPath, [SCRIPT, 'start', '--dir', dir, '--port', String(port), '--controller-port', String(controllerPort), ...cluster, '--timeout', '180']);
  };
  const stop = async () => {
    await run(process.execPath, [SCRIPT, 'stop', '--dir', dir]).catch(() => undefined);
  };
  const state = async () => JSON.parse(await readFile(join(dir, 'broker.json'), 'utf8')) as { ca: string; issuerKeys: string; nodes: Array<{ id: number; port: number; pid: number }> };
  await start();
  const { ca, issuerKeys } = await state();
  const brokers = Array.from({ length: nodes }, (_, i) => `127.0.0.1:${port + i}`);
  const security: KafkaSecurityFiles = { kind: 'sasl_ssl', caFile: ca, issuerKeys };
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
    nodes: async () => (await state()).nodes.map((n) => ({ id: n.id, address: `127.0.0.1:${n.port}`, pid: n.pid })),
    killNode: async (id) => {
      const node = (await state()).nodes.find((n) => n.id === id);
      if (!node) throw new Error(`no Kafka node ${id}`);
      process.kill(node.pid, 'SIGKILL');
      while (isAlive(node.pid)) await new Promise((r) => setTimeout(r, 50));
    },
    startNode: async (id) => {
      await run(process.execPath, [SCRIPT, 'start', '--dir', dir, '--node', String(id), '--timeout', '180']);
    },
  };
}

/** A zombie (killed, not yet reaped by whoever adopted it) no longer counts as running. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** `count` consecutive free ports on 127.0.0.1, from a random base: a cluster's nodes take consecutive ports. */
export async function freePortBlock(count: number): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const free = await Promise.all(Array.from({ length: count }, (_, i) => isFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A kafkajs client of the test's own, as hub_admin: for what the hub's bus does not offer (metadata, a chosen partition). */
export function rawKafkaClient(kafka: PrivateKafka, clientId: string): Kafka {
  const connection = kafkaConnectionAs(kafka, undefined, clientId);
  return new Kafka({
    clientId: connection.clientId,
    brokers: connection.brokers,
    logLevel: logLevel.NOTHING,
    ssl: { ca: connection.ssl!.ca! },
    sasl: { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: (await connection.token!()).value }) },
  });
}

/**
 * Every message on `topic`, from its start to the end it had when asked, read by a consumer
 * group of its own. Right after a node's death a partition may still be electing its leader
 * (retriable): that is waited out. Fails if the end is not reached within two minutes.
 */
export async function readTopicToEnd(client: Kafka, topic: string): Promise<Array<{ partition: number; offset: string; value: string }>> {
  const admin = client.admin();
  await admin.connect();
  const ends = await whileRetriable(() => admin.fetchTopicOffsets(topic)).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => BigInt(e.high) > BigInt(e.low)).map((e) => [e.partition, BigInt(e.high)]));
  const read: Array<{ partition: number; offset: string; value: string }> = [];
  if (remaining.size === 0) return read;
  const consumer = client.consumer({ groupId: `read-to-end-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${topic} for 120 s without reaching its end`)), 120_000);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          read.push({ partition, offset: message.offset, value: message.value?.toString() ?? '' });
          if (BigInt(message.offset) + 1n >= (remaining.get(partition) ?? 0n)) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return read;
}

/**
 * The operation, tried again every 500 ms for up to a minute while kafkajs calls its error
 * retriable: a topic just created, or a partition electing its leader after a node's death.
 */
export async function whileRetriable<T>(operation: () => Promise<T>): Promise<T> {
  for (let tries = 1; ; tries++) {
    try {
      return await operation();
    } catch (err) {
      if ((err as { retriable?: boolean }).retriable !== true || tries === 120) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
