#!/usr/bin/env node
// Starts and stops a single-node Kafka broker (KRaft, combined broker + controller) built
// only from Apache Kafka's Maven Central artifacts: no Docker, no Kafka download.
//
//   node deploy/kafka/kafka.mjs start [--port 9092] [--controller-port N] [--dir DIR] [--timeout 60]
//                                     [--issuer-keys FILE] [--reauth-ms N] [--plaintext]
//   node deploy/kafka/kafka.mjs stop  [--dir DIR]
//   node deploy/kafka/kafka.mjs status [--dir DIR]
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
      throw new Failure('usage: kafka.mjs start|stop|status [--port N] [--controller-port N] [--dir DIR] [--timeout SECONDS] [--issuer-keys FILE] [--reauth-ms N] [--plaintext]');
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

  const reauthMs = Number(values['reauth-ms']);
  if (!Number.isInteger(reauthMs) || reauthMs < 1000) throw new Failure(`--reauth-ms ${values['reauth-ms']} is not a usable duration: give milliseconds, at least 1000`);

  const classpath = brokerClasspath();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const security = values.plaintext ? null : { tls: developmentTls(), issuer: issuerKeyRing(), reauthMs };
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, serverProperties(port, controllerPort, security));
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
  // Kafka 4 fetches no JWKS or token URL that is not listed here (KIP-1139 hardening).
  const allowedUrls = security ? [`-Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=${pathToFileURL(security.issuer.jwks).href}`] : [];
  const broker = spawn(
    'java',
    ['-Xms256m', '-Xmx512m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-Djava.awt.headless=true', ...allowedUrls, log4j, '-cp', classpath, 'kafka.Kafka', properties],
    { detached: true, stdio: ['ignore', out, out] },
  );
  broker.unref();
  const brokers = `127.0.0.1:${port}`;
  const state = {
    pid: broker.pid,
    brokers,
    version: kafkaVersion,
    log: logFile,
    security: security ? 'SASL_SSL' : 'PLAINTEXT',
    ...(security ? { ca: security.tls.ca, issuerKeys: security.issuer.keys, jwks: security.issuer.jwks, audience: security.issuer.audience, issuer: security.issuer.issuer } : {}),
  };
  writeFileSync(stateFile, JSON.stringify(state, null, 2));

  try {
    await waitUntilReady(brokers, broker.pid, timeoutMs, logFile, security);
  } catch (err) {
    await terminate(broker.pid);
    rmSync(stateFile, { force: true });
    throw err;
  }
  if (security) {
    process.stdout.write(
      `Kafka ${kafkaVersion} ready on ${brokers} (SASL_SSL, OAUTHBEARER; pid ${broker.pid}, data in ${join(dir, 'data')})\n` +
        `  CA clients trust: ${security.tls.ca}\n  hub token key ring: ${security.issuer.keys}\n` +
        `  for the hub: KAFKA_BROKERS=${brokers} KAFKA_CA_FILE=${security.tls.ca} PASSERELLE_KAFKA_ISSUER_KEYS=${security.issuer.keys}\n`,
    );
  } else {
    process.stdout.write(
      `Kafka ${kafkaVersion} ready on ${brokers} (PLAINTEXT: UNSAFE, no encryption, no authentication, no ACLs; pid ${broker.pid}, data in ${join(dir, 'data')})\n` +
        `  for the hub: KAFKA_BROKERS=${brokers} KAFKA_SECURITY=plaintext\n`,
    );
  }
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
  if (state && alive(state.pid)) process.stdout.write(`Kafka ${state.version} running on ${state.brokers} (${state.security ?? 'PLAINTEXT'}, pid ${state.pid})\n`);
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

function serverProperties(port, controllerPort, security) {
  const client = security ? 'SASL_SSL' : 'PLAINTEXT';
  return `# Written by deploy/kafka/kafka.mjs: single-node KRaft, broker and controller in one process.
process.roles=broker,controller
node.id=1
# Static quorum: formatted without --standalone.
controller.quorum.voters=1@127.0.0.1:${controllerPort}
# The controller listener is internal: loopback only; when secured, mutual TLS, where only
# the holder of the broker's own key (DIR/tls) is admitted.
listeners=${client}://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}
advertised.listeners=${client}://127.0.0.1:${port}
inter.broker.listener.name=${client}
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:${security ? 'SSL' : 'PLAINTEXT'},${client}:${client}
${security ? securityProperties(security) : '# --plaintext: UNSAFE. No encryption, no authentication, no ACLs.\n'}log.dirs=${join(dir, 'data')}
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

/**
 * SASL_SSL with OAUTHBEARER, tokens checked by Kafka's own JWT validation (KIP-768).
 * BrokerJwtValidator must be named: Kafka 4.1's default validator checks no signature,
 * audience or issuer at all (see docs/security.md). The JWKS file is re-read when it
 * changes. A session lasts at most connections.max.reauth.ms (and never past its token's
 * exp): then the client re-authenticates with a fresh token, or is disconnected.
 */
function securityProperties({ tls, issuer, reauthMs }) {
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
sasl.enabled.mechanisms=OAUTHBEARER
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
# hub_admin grants the ACLs; the broker itself (its certificate, on the controller listener)
# registers with the controller. Nobody else is above the ACLs.
super.users=User:hub_admin;User:CN=${BROKER_CN}
`;
}

/** Ready means a kafkajs admin can describe the cluster; a broker that exits early fails at once. */
async function waitUntilReady(brokers, pid, timeoutMs, logFile, security) {
  const { Kafka, logLevel } = await import('kafkajs');
  const auth = security ? { ssl: { ca: [readFileSync(security.tls.ca, 'utf8')] }, sasl: { mechanism: 'oauthbearer', oauthBearerProvider: () => adminToken(security.issuer) } } : {};
  const kafka = new Kafka({ clientId: 'kafka-start', brokers: [brokers], logLevel: logLevel.NOTHING, connectionTimeout: 3000, retry: { retries: 0 }, ...auth });
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
