#!/usr/bin/env node
// Starts and stops a single-node Kafka broker (KRaft, combined broker + controller) built
// only from Apache Kafka's Maven Central artifacts: no Docker, no Kafka download.
//
//   node deploy/kafka/kafka.mjs start [--port 9092] [--controller-port N] [--dir DIR] [--timeout 60]
//   node deploy/kafka/kafka.mjs stop  [--dir DIR]
//   node deploy/kafka/kafka.mjs status [--dir DIR]
//
// `start` returns once a kafkajs admin call succeeds, leaving the broker running in the
// background (its pid and address in DIR/broker.json). Every failure prints one line that
// names the problem and the fix, exits non-zero, and leaves no broker process behind.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const pom = join(here, 'pom.xml');
const kafkaVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'))[1];

class Failure extends Error {}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: process.env.KAFKA_PORT ?? '9092' },
    'controller-port': { type: 'string' },
    dir: { type: 'string', default: process.env.KAFKA_DIR ?? '.passerelle/kafka' },
    timeout: { type: 'string', default: '60' },
  },
});
const dir = resolve(values.dir);
const stateFile = join(dir, 'broker.json');

try {
  switch (positionals[0]) {
    case 'start':
      await start();
      break;
    case 'stop':
      await stop();
      break;
    case 'status':
      status();
      break;
    default:
      throw new Failure('usage: kafka.mjs start|stop|status [--port N] [--controller-port N] [--dir DIR] [--timeout SECONDS]');
  }
} catch (err) {
  process.stderr.write(`kafka: ${err instanceof Failure ? err.message : err.stack}\n`);
  process.exit(1);
}

async function start() {
  const port = portNumber(values.port, '--port');
  const controllerPort = values['controller-port'] ? portNumber(values['controller-port'], '--controller-port') : port + 1;
  const timeoutMs = Number(values.timeout) * 1000;

  const running = readState();
  if (running && alive(running.pid)) {
    throw new Failure(`a broker started from ${dir} already runs (pid ${running.pid}, ${running.brokers}): stop it with npm run kafka:stop`);
  }
  requireCommand('java', ['-version'], 'java is not on PATH: install a JDK 17 or newer (apt-get install openjdk-17-jre-headless)');
  await requireFreePort(port, '--port or KAFKA_PORT');
  await requireFreePort(controllerPort, '--controller-port');

  const classpath = brokerClasspath();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, serverProperties(port, controllerPort));
  const clusterIdFile = join(dir, 'cluster-id');
  if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, clusterId());
  const log4j = `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`;

  // --ignore-formatted: a folder kept from an earlier start keeps its topics.
  const format = spawnSync(
    'java',
    ['-cp', classpath, log4j, 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', readFileSync(clusterIdFile, 'utf8').trim(), '-c', properties],
    { encoding: 'utf8' },
  );
  if (format.status !== 0) {
    throw new Failure(`formatting ${join(dir, 'data')} failed: ${lastLines(format.stderr || format.stdout, 3)} (delete ${dir} to start afresh)`);
  }

  const logFile = join(dir, 'broker.log');
  const out = openSync(logFile, 'w');
  const broker = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', log4j, '-cp', classpath, 'kafka.Kafka', properties],
    { detached: true, stdio: ['ignore', out, out] },
  );
  broker.unref();
  const brokers = `127.0.0.1:${port}`;
  writeFileSync(stateFile, JSON.stringify({ pid: broker.pid, brokers, version: kafkaVersion, log: logFile }, null, 2));

  try {
    await waitUntilReady(brokers, broker.pid, timeoutMs, logFile);
  } catch (err) {
    await terminate(broker.pid);
    rmSync(stateFile, { force: true });
    throw err;
  }
  process.stdout.write(`Kafka ${kafkaVersion} ready on ${brokers} (pid ${broker.pid}, data in ${join(dir, 'data')})\n`);
}

async function stop() {
  const state = readState();
  if (!state || !alive(state.pid)) {
    rmSync(stateFile, { force: true });
    process.stdout.write(`no broker running from ${dir}\n`);
    return;
  }
  await terminate(state.pid);
  rmSync(stateFile, { force: true });
  process.stdout.write(`Kafka stopped (pid ${state.pid})\n`);
}

function status() {
  const state = readState();
  if (state && alive(state.pid)) process.stdout.write(`Kafka ${state.version} running on ${state.brokers} (pid ${state.pid})\n`);
  else {
    process.stdout.write(`no broker running from ${dir}\n`);
    process.exitCode = 3;
  }
}

/** The broker's runtime classpath, resolved by Maven once and cached outside the repository. */
function brokerClasspath() {
  const cacheDir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'passerelle', 'kafka', kafkaVersion);
  const file = join(cacheDir, 'classpath.txt');
  if (existsSync(file)) {
    const cached = readFileSync(file, 'utf8').trim();
    if (cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  requireCommand('mvn', ['-v'], 'mvn is not on PATH: install Apache Maven (apt-get install maven) to fetch the Kafka broker from Maven Central');
  mkdirSync(cacheDir, { recursive: true });
  process.stderr.write(`kafka: resolving Apache Kafka ${kafkaVersion} from Maven Central into ~/.m2 (first start only)...\n`);
  const mvn = spawnSync('mvn', ['-B', '-q', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${file}`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (mvn.status !== 0 || !existsSync(file)) {
    throw new Failure(`Maven could not resolve org.apache.kafka:kafka_2.13:${kafkaVersion}: ${lastLines(mvn.stdout + mvn.stderr, 3)}`);
  }
  return readFileSync(file, 'utf8').trim();
}

function serverProperties(port, controllerPort) {
  return `# Written by deploy/kafka/kafka.mjs: single-node KRaft, broker and controller in one process.
process.roles=broker,controller
node.id=1
# Static quorum: formatted without --standalone.
controller.quorum.voters=1@127.0.0.1:${controllerPort}
listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=PLAINTEXT://127.0.0.1:${port}
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=${join(dir, 'data')}
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
`;
}

/** Ready means a kafkajs admin can describe the cluster; a broker that exits early fails at once. */
async function waitUntilReady(brokers, pid, timeoutMs, logFile) {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({ clientId: 'kafka-start', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 1000, retry: { retries: 0 } });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive(pid)) throw new Failure(`the broker exited during start-up: ${lastLines(readLog(logFile), 3)} (full log: ${logFile})`);
    const admin = kafka.admin();
    try {
      await admin.connect();
      const { brokers: nodes } = await admin.describeCluster();
      if (nodes.length > 0) return;
    } catch {
      // not ready yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Failure(`the broker did not become ready on ${brokers} within ${timeoutMs / 1000} s: see ${logFile}, or raise --timeout`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** SIGTERM runs Kafka's shutdown hook; SIGKILL after 15 s. */
async function terminate(pid) {
  if (!alive(pid)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) signal(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}

function signal(pid, name) {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

function alive(pid) {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie (exited, not yet reaped) still answers kill(0); it does not count as running.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function readState() {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8'));
  } catch {
    return null;
  }
}

function readLog(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function requireCommand(command, args, message) {
  const probe = spawnSync(command, args, { stdio: 'ignore' });
  if (probe.error) throw new Failure(message);
}

function requireFreePort(port, option) {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', (err) =>
      reject(new Failure(err.code === 'EADDRINUSE' ? `port ${port} on 127.0.0.1 is already in use: stop what holds it, or choose another with ${option}` : `port ${port}: ${err.message}`)),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort()));
  });
}

function portNumber(raw, option) {
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65534) throw new Failure(`${option} ${raw} is not a usable port (1-65534)`);
  return port;
}

/** Kafka's own format: 16 random bytes, URL-safe base64, never starting with '-'. */
function clusterId() {
  let id;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}

function lastLines(text, n) {
  return text.trim().split('\n').filter(Boolean).slice(-n).join(' | ') || 'no output';
}
