#!/usr/bin/env node
// Starts and stops a Kafka broker (KRaft, combined broker + controller), or a cluster of
// several, built only from Apache Kafka's Maven Central artifacts: no Docker, no download.
//
//   node deploy/kafka/kafka.mjs start [--port 9092] [--controller-port N] [--dir DIR] [--timeout 60]
//                                     [--issuer-keys FILE] [--reauth-ms N] [--plaintext]
//                                     [--nodes 3 [--broker-port N]] [--node I]
//   node deploy/kafka/kafka.mjs stop  [--dir DIR] [--node I]
//   node deploy/kafka/kafka.mjs status [--dir DIR]
//
// --nodes 3 starts a three-node cluster (each node a broker and a controller voter; node I
// on --port + I - 1, its controller on --controller-port + I - 1, its replication listener on
// --broker-port + I - 1; data in DIR/node-I) with replication factor 3 and
// min.insync.replicas 2 everywhere: one node may die and nothing acknowledged is lost.
// Brokers replicate over a listener of their own, mutual TLS with the broker's certificate.
// `stop --node I` stops one node (SIGTERM); `start --node I` starts it again on its folder.
//
// The client listener is SASL_SSL with OAUTHBEARER: TLS with a development CA generated on
// first start (DIR/tls/ca.pem is what clients trust), and tokens the broker verifies itself
// against the hub's JWKS file (signature, kid, exp, audience, issuer). The hub's Kafka token
// key ring is generated on first start in DIR/issuer/keys.json unless --issuer-keys names
// one; the broker reads the public half, DIR/issuer/jwks.json, again whenever it changes, so
// a rotation needs no restart. ACLs are enforced (StandardAuthorizer, deny by default);
// the principal `hub_admin` is the only super user. --plaintext starts an unauthenticated,
// unencrypted listener with no ACLs instead: UNSAFE, for debugging on a closed machine only.
//
// `start` returns once a kafkajs admin call succeeds, leaving the broker running in the
// background (its pid and address in DIR/broker.json). Every failure prints one line that
// names the problem and the fix, exits non-zero, and leaves no broker process behind.
import { spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const pom = join(here, 'pom.xml');
const kafkaVersion = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(pom, 'utf8'))[1];

class Failure extends Error {}

/** The broker's certificate subject: its principal on the mutual-TLS controller listener. */
const BROKER_CN = 'passerelle-kafka-broker';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: process.env.KAFKA_PORT ?? '9092' },
    'controller-port': { type: 'string' },
    dir: { type: 'string', default: process.env.KAFKA_DIR ?? '.passerelle/kafka' },
    timeout: { type: 'string', default: '60' },
    'issuer-keys': { type: 'string' },
    'reauth-ms': { type: 'string', default: '3600000' },
    plaintext: { type: 'boolean', default: false },
    nodes: { type: 'string', default: '1' },
    'broker-port': { type: 'string' },
    node: { type: 'string' },
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
      throw new Failure('usage: kafka.mjs start|stop|status [--port N] [--controller-port N] [--dir DIR] [--timeout SECONDS] [--issuer-keys FILE] [--reauth-ms N] [--plaintext] [--nodes N [--broker-port N]] [--node I]');
  }
} catch (err) {
  process.stderr.write(`kafka: ${err instanceof Failure ? err.message : err.stack}\n`);
  process.exit(1);
}

/** The cluster's layout: each node's id, ports and folder (a single node keeps DIR itself). */
function layout() {
  const count = Number(values.nodes);
  if (!Number.isInteger(count) || count < 1 || count > 9) throw new Failure(`--nodes ${values.nodes} is not a usable cluster size: give 1 to 9`);
  const port = portNumber(values.port, '--port');
  const controllerPort = values['controller-port'] ? portNumber(values['controller-port'], '--controller-port') : port + count;
  const brokerPort = values['broker-port'] ? portNumber(values['broker-port'], '--broker-port') : controllerPort + count;
  return Array.from({ length: count }, (_, i) => ({
    id: i + 1,
    port: port + i,
    controllerPort: controllerPort + i,
    // One node replicates to no one: its brokers' traffic stays on the client listener.
    brokerPort: count > 1 ? brokerPort + i : null,
    dir: count > 1 ? join(dir, `node-${i + 1}`) : dir,
  }));
}

async function start() {
  const timeoutMs = Number(values.timeout) * 1000;
  const running = readState();
  if (values.node) return restartNode(running, timeoutMs);
  if (running && running.nodes.some((n) => alive(n.pid))) {
    throw new Failure(`a broker started from ${dir} already runs (pid ${running.nodes.find((n) => alive(n.pid)).pid}, ${running.brokers}): stop it with npm run kafka:stop`);
  }
  requireCommand('java', ['-version'], 'java is not on PATH: install a JDK 17 or newer (apt-get install openjdk-17-jre-headless)');
  const nodes = layout();
  for (const node of nodes) {
    await requireFreePort(node.port, '--port or KAFKA_PORT');
    await requireFreePort(node.controllerPort, '--controller-port');
    if (node.brokerPort) await requireFreePort(node.brokerPort, '--broker-port');
  }

  const reauthMs = Number(values['reauth-ms']);
  if (!Number.isInteger(reauthMs) || reauthMs < 1000) throw new Failure(`--reauth-ms ${values['reauth-ms']} is not a usable duration: give milliseconds, at least 1000`);

  mkdirSync(dir, { recursive: true });
  const security = values.plaintext ? null : { tls: developmentTls(), issuer: issuerKeyRing(), reauthMs };
  const clusterIdFile = join(dir, 'cluster-id');
  if (!existsSync(clusterIdFile)) writeFileSync(clusterIdFile, clusterId());
  for (const node of nodes) {
    mkdirSync(join(node.dir, 'data'), { recursive: true });
    writeFileSync(join(node.dir, 'server.properties'), serverProperties(node, nodes, security));
    format(node);
  }

  const brokers = nodes.map((n) => `127.0.0.1:${n.port}`).join(',');
  const state = {
    brokers,
    version: kafkaVersion,
    security: security ? 'SASL_SSL' : 'PLAINTEXT',
    ...(security ? { ca: security.tls.ca, issuerKeys: security.issuer.keys, jwks: security.issuer.jwks, audience: security.issuer.audience, issuer: security.issuer.issuer } : {}),
    nodes: nodes.map((node) => ({ ...node, pid: launch(node, security), log: join(node.dir, 'broker.log') })),
  };
  state.pid = state.nodes[0].pid;
  state.log = state.nodes[0].log;
  writeState(state);

  try {
    await waitUntilReady(state, nodes.length, timeoutMs, security);
  } catch (err) {
    for (const node of state.nodes) await terminate(node.pid);
    rmSync(stateFile, { force: true });
    throw err;
  }
  const where = nodes.length > 1 ? `${nodes.length} nodes, replication factor 3, min.insync.replicas 2; pids ${state.nodes.map((n) => n.pid).join(', ')}, data in ${join(dir, 'node-*')}` : `pid ${state.pid}, data in ${join(dir, 'data')}`;
  if (security) {
    process.stdout.write(
      `Kafka ${kafkaVersion} ready on ${brokers} (SASL_SSL, OAUTHBEARER; ${where})\n` +
        `  CA clients trust: ${security.tls.ca}\n  hub token key ring: ${security.issuer.keys}\n` +
        `  for the hub: KAFKA_BROKERS=${brokers} KAFKA_CA_FILE=${security.tls.ca} PASSERELLE_KAFKA_ISSUER_KEYS=${security.issuer.keys}\n`,
    );
  } else {
    process.stdout.write(
      `Kafka ${kafkaVersion} ready on ${brokers} (PLAINTEXT: UNSAFE, no encryption, no authentication, no ACLs; ${where})\n` +
        `  for the hub: KAFKA_BROKERS=${brokers} KAFKA_SECURITY=plaintext\n`,
    );
  }
}

/** One node of a running cluster again (after `stop --node I` or a crash), on its own folder. */
async function restartNode(state, timeoutMs) {
  const node = state?.nodes.find((n) => String(n.id) === values.node);
  if (!node) throw new Failure(`no node ${values.node} in the cluster started from ${dir}: start the cluster first (nodes: ${state ? state.nodes.map((n) => n.id).join(', ') : 'none'})`);
  if (alive(node.pid)) throw new Failure(`node ${node.id} already runs (pid ${node.pid})`);
  const security = state.security === 'SASL_SSL' ? { tls: developmentTls(), issuer: issuerKeyRing() } : null;
  node.pid = launch(node, security);
  if (node.id === state.nodes[0].id) state.pid = node.pid;
  writeState(state);
  // Ready once it has joined the nodes that are up.
  await waitUntilReady({ ...state, nodes: [node] }, state.nodes.filter((n) => alive(n.pid)).length, timeoutMs, security);
  process.stdout.write(`Kafka node ${node.id} ready again on 127.0.0.1:${node.port} (pid ${node.pid})\n`);
}

/** --ignore-formatted: a folder kept from an earlier start keeps its topics. */
function format(node) {
  const result = spawnSync(
    'java',
    ['-cp', brokerClasspath(), log4j(), 'kafka.tools.StorageTool', 'format', '--ignore-formatted', '-t', readFileSync(join(dir, 'cluster-id'), 'utf8').trim(), '-c', join(node.dir, 'server.properties')],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Failure(`formatting ${join(node.dir, 'data')} failed: ${lastLines(result.stderr || result.stdout, 3)} (delete ${dir} to start afresh)`);
  }
}

function log4j() {
  return `-Dlog4j2.configurationFile=${join(here, 'log4j2.properties')}`;
}

/** Starts one node's JVM in the background; returns its pid. */
function launch(node, security) {
  const out = openSync(join(node.dir, 'broker.log'), 'a');
  // Kafka 4 fetches no JWKS or token URL that is not listed here (KIP-1139 hardening).
  const allowedUrls = security ? [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${pathToFileURL(security.issuer.jwks).href}`] : [];
  const broker = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...allowedUrls, log4j(), '-cp', brokerClasspath(), 'kafka.Kafka', join(node.dir, 'server.properties')],
    { detached: true, stdio: ['ignore', out, out] },
  );
  broker.unref();
  return broker.pid;
}

/**
 * A development CA and a broker certificate for 127.0.0.1 and localhost, made once with
 * openssl and kept in DIR/tls: restarts keep the same CA, so clients keep trusting it.
 * The broker reads a PKCS#12 keystore (its key and chain) under a random password.
 */
function developmentTls() {
  const tls = join(dir, 'tls');
  const files = { ca: join(tls, 'ca.pem'), keystore: join(tls, 'broker.p12'), password: join(tls, 'keystore-password') };
  if (Object.values(files).every((f) => existsSync(f))) return { ...files, passwordValue: readFileSync(files.password, 'utf8').trim() };
  requireCommand('openssl', ['version'], 'openssl is not on PATH: install it (apt-get install openssl) to make the development certificates');
  mkdirSync(tls, { recursive: true, mode: 0o700 });
  const password = randomBytes(18).toString('base64url');
  const ext = join(tls, 'broker.ext');
  writeFileSync(ext, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n');
  const steps = [
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tls, 'ca.key'), '-out', files.ca, '-days', '825', '-subj', '/CN=Passerelle development CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(tls, 'broker.key'), '-out', join(tls, 'broker.csr'), '-subj', `/CN=${BROKER_CN}`],
    ['x509', '-req', '-in', join(tls, 'broker.csr'), '-CA', files.ca, '-CAkey', join(tls, 'ca.key'), '-CAcreateserial', '-out', join(tls, 'broker.pem'), '-days', '825', '-extfile', ext],
    ['pkcs12', '-export', '-in', join(tls, 'broker.pem'), '-inkey', join(tls, 'broker.key'), '-certfile', files.ca, '-name', 'broker', '-out', files.keystore, '-passout', `pass:${password}`],
  ];
  for (const args of steps) {
    const result = spawnSync('openssl', args, { encoding: 'utf8' });
    if (result.status !== 0) throw new Failure(`openssl ${args[0]} failed: ${lastLines(result.stderr || result.stdout, 2)} (delete ${tls} to start afresh)`);
  }
  writeFileSync(files.password, password, { mode: 0o600 });
  for (const key of ['ca.key', 'broker.key']) chmodSync(join(tls, key), 0o600);
  return { ...files, passwordValue: password };
}

/**
 * The hub's Kafka token key ring: `{ issuer, audience, keys: [{ kid, alg, privateJwk,
 * publicJwk, createdAt, retiredAt? }] }` (libs/identity's HubKeyRing reads, rotates and
 * republishes it), and its public half as a JWKS file for the broker. Made once; an existing
 * ring (--issuer-keys, or one kept in DIR) is used as it is.
 */
function issuerKeyRing() {
  const keys = resolve(values['issuer-keys'] ?? join(dir, 'issuer', 'keys.json'));
  const jwks = join(dirname(keys), 'jwks.json');
  if (!existsSync(keys)) {
    if (values['issuer-keys']) throw new Failure(`--issuer-keys ${keys} does not exist: omit it to have one generated in ${join(dir, 'issuer')}`);
    mkdirSync(dirname(keys), { recursive: true, mode: 0o700 });
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = `hub-${new Date().toISOString().slice(0, 10)}-${randomUUID().slice(0, 8)}`;
    const ring = {
      issuer: 'urn:passerelle:hub',
      audience: 'urn:passerelle:kafka',
      keys: [{ kid, alg: 'ES256', privateJwk: privateKey.export({ format: 'jwk' }), publicJwk: publicKey.export({ format: 'jwk' }), createdAt: new Date().toISOString() }],
    };
    writeFileSync(keys, JSON.stringify(ring, null, 2), { mode: 0o600 });
  }
  let ring;
  try {
    ring = JSON.parse(readFileSync(keys, 'utf8'));
  } catch (err) {
    throw new Failure(`${keys} is not a key ring: ${err.message}`);
  }
  if (!ring.issuer || !ring.audience || !Array.isArray(ring.keys) || ring.keys.length === 0) throw new Failure(`${keys} has no issuer, audience or keys: not a hub key ring`);
  // The hub rewrites it on rotation; written here only when missing, so a rotation is kept.
  if (!existsSync(jwks)) {
    const tmp = `${jwks}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ keys: ring.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) }, null, 2));
    renameSync(tmp, jwks);
  }
  return { keys, jwks, issuer: ring.issuer, audience: ring.audience, ring };
}

async function stop() {
  const state = readState();
  if (values.node) {
    const node = state?.nodes.find((n) => String(n.id) === values.node);
    if (!node) throw new Failure(`no node ${values.node} in the cluster started from ${dir}`);
    await terminate(node.pid);
    process.stdout.write(`Kafka node ${node.id} stopped (pid ${node.pid})\n`);
    return;
  }
  const running = state?.nodes.filter((n) => alive(n.pid)) ?? [];
  for (const node of running) await terminate(node.pid);
  rmSync(stateFile, { force: true });
  process.stdout.write(running.length === 0 ? `no broker running from ${dir}\n` : `Kafka stopped (pid ${running.map((n) => n.pid).join(', ')})\n`);
}

function status() {
  const state = readState();
  const running = state?.nodes.filter((n) => alive(n.pid)) ?? [];
  if (running.length > 0) {
    const nodes = state.nodes.length > 1 ? `${running.length} of ${state.nodes.length} nodes up, pids ${running.map((n) => n.pid).join(', ')}` : `pid ${running[0].pid}`;
    process.stdout.write(`Kafka ${state.version} running on ${state.brokers} (${state.security ?? 'PLAINTEXT'}, ${nodes})\n`);
  } else {
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

function serverProperties(node, nodes, security) {
  const client = security ? 'SASL_SSL' : 'PLAINTEXT';
  const internal = security ? 'SSL' : 'PLAINTEXT';
  const replicas = Math.min(3, nodes.length);
  const minIsr = replicas >= 3 ? 2 : 1;
  const listeners = [`${client}://127.0.0.1:${node.port}`, ...(node.brokerPort ? [`BROKER://127.0.0.1:${node.brokerPort}`] : [])];
  return `# Written by deploy/kafka/kafka.mjs: KRaft, broker and controller in one process${nodes.length > 1 ? `, node ${node.id} of ${nodes.length}` : ', a single node'}.
process.roles=broker,controller
node.id=${node.id}
# Static quorum: formatted without --standalone.
controller.quorum.voters=${nodes.map((n) => `${n.id}@127.0.0.1:${n.controllerPort}`).join(',')}
# The controller listener is internal: loopback only; when secured, mutual TLS, where only
# the holder of the broker's own key (DIR/tls) is admitted. So is the brokers' replication
# listener, in a cluster.
listeners=${[...listeners, `CONTROLLER://127.0.0.1:${node.controllerPort}`].join(',')}
advertised.listeners=${listeners.join(',')}
inter.broker.listener.name=${node.brokerPort ? 'BROKER' : client}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:${internal},${client}:${client}${node.brokerPort ? `,BROKER:${internal}` : ''}
${security ? securityProperties(security, Boolean(node.brokerPort)) : '# --plaintext: UNSAFE. No encryption, no authentication, no ACLs.\n'}log.dirs=${join(node.dir, 'data')}
num.partitions=3
default.replication.factor=${replicas}
min.insync.replicas=${minIsr}
offsets.topic.replication.factor=${replicas}
offsets.topic.num.partitions=${nodes.length > 1 ? 3 : 1}
transaction.state.log.replication.factor=${replicas}
transaction.state.log.min.isr=${minIsr}
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=${replicas}
share.coordinator.state.topic.min.isr=${minIsr}
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
delete.topic.enable=true
# Only an in-sync replica may lead: an acknowledged write is never given up for availability.
unclean.leader.election.enable=false
`;
}

/**
 * SASL_SSL with OAUTHBEARER, tokens checked by Kafka's own JWT validation (KIP-768).
 * BrokerJwtValidator must be named: Kafka 4.1's default validator checks no signature,
 * audience or issuer at all (see docs/security.md). The JWKS file is re-read when it
 * changes. A session lasts at most connections.max.reauth.ms (and never past its token's
 * exp): then the client re-authenticates with a fresh token, or is disconnected.
 */
function securityProperties({ tls, issuer, reauthMs }, replicationListener) {
  const p = 'listener.name.sasl_ssl.oauthbearer.';
  return `ssl.keystore.type=PKCS12
ssl.keystore.location=${tls.keystore}
ssl.keystore.password=${tls.passwordValue}
ssl.key.password=${tls.passwordValue}
# The broker checks its own listener as a client would (and uses it between brokers).
ssl.truststore.type=PEM
ssl.truststore.location=${tls.ca}
ssl.client.auth=none
listener.name.controller.ssl.client.auth=required
${replicationListener ? 'listener.name.broker.ssl.client.auth=required\n' : ''}sasl.enabled.mechanisms=OAUTHBEARER
sasl.mechanism.inter.broker.protocol=OAUTHBEARER
${p}sasl.server.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerValidatorCallbackHandler
${p}sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;
sasl.oauthbearer.jwt.validator.class=org.apache.kafka.common.security.oauthbearer.BrokerJwtValidator
sasl.oauthbearer.jwks.endpoint.url=${pathToFileURL(issuer.jwks).href}
sasl.oauthbearer.expected.audience=${issuer.audience}
sasl.oauthbearer.expected.issuer=${issuer.issuer}
sasl.oauthbearer.clock.skew.seconds=30
${p}connections.max.reauth.ms=${reauthMs}
connections.max.reauth.ms=${reauthMs}
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
# hub_admin grants the ACLs; the broker itself (its certificate, on the controller and
# replication listeners) registers with the controller and replicates. Nobody else is above
# the ACLs.
super.users=User:hub_admin;User:CN=${BROKER_CN}
`;
}

/**
 * Ready means a kafkajs admin, on each node given, sees the whole cluster; a node that exits
 * early fails at once.
 */
async function waitUntilReady(state, clusterSize, timeoutMs, security) {
  const { Kafka, logLevel } = await import('kafkajs');
  const auth = security ? { ssl: { ca: [readFileSync(security.tls.ca, 'utf8')] }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: () => adminToken(security.issuer) } } : {};
  const deadline = Date.now() + timeoutMs;
  for (const node of state.nodes) {
    const address = `127.0.0.1:${node.port}`;
    const kafka = new Kafka({ clientId: 'kafka-start', brokers: [address], logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 }, ...auth });
    for (;;) {
      if (!alive(node.pid)) throw new Failure(`the broker${clusterSize > 1 ? ` of node ${node.id}` : ''} exited during start-up: ${lastLines(readLog(node.log), 3)} (full log: ${node.log})`);
      const admin = kafka.admin();
      try {
        await admin.connect();
        const { brokers: seen } = await admin.describeCluster();
        if (seen.length >= clusterSize) break;
      } catch {
        // not ready yet
      } finally {
        await admin.disconnect().catch(() => {});
      }
      if (Date.now() > deadline) {
        throw new Failure(`the broker did not become ready on ${address} within ${timeoutMs / 1000} s: see ${node.log}, or raise --timeout`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** A one-minute token for hub_admin, signed with the ring's newest key, to check readiness. */
async function adminToken(issuer) {
  const { SignJWT, importJWK } = await import('jose');
  const key = issuer.ring.keys.filter((k) => !k.retiredAt).at(-1) ?? issuer.ring.keys.at(-1);
  const value = await new SignJWT({})
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(issuer.issuer)
    .setAudience(issuer.audience)
    .setSubject('hub_admin')
    .setIssuedAt()
    .setExpirationTime('60s')
    .setJti(randomUUID())
    .sign(await importJWK(key.privateJwk, key.alg));
  return { value };
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
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    // Written by a single-node start before clusters existed: one node, DIR itself.
    if (!Array.isArray(state.nodes)) state.nodes = [{ id: 1, pid: state.pid, port: Number(state.brokers.split(':')[1]), dir, log: state.log }];
    return state;
  } catch {
    return null;
  }
}

function writeState(state) {
  const tmp = `${stateFile}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2));
  renameSync(tmp, stateFile);
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
