import { readTracingSettings, type TracingSettings } from '@passerelle/telemetry';
import type { KafkaClient } from '@passerelle/messaging';
import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Which store holds the events: an embedded PGlite folder, or a PostgreSQL server. */
export type StoreConfig =
  /** dataDir undefined: in memory, gone with the process (PASSERELLE_DATA_DIR=memory://) */
  | { kind: 'pglite'; dataDir?: string }
  | { kind: 'postgres'; url: string };

/**
 * How the hub reaches Kafka: SASL_SSL with OAUTHBEARER tokens it signs itself (its Kafka key
 * ring), trusting `caFile` (else the system's CAs); or, asked for by name only, plaintext.
 */
export type KafkaSecurity =
  | { kind: 'sasl_ssl'; caFile?: string; issuerKeysFile: string; tokenTtlSeconds: number }
  /** KAFKA_SECURITY=plaintext: UNSAFE, no encryption, no authentication. */
  | { kind: 'plaintext' };

/** Which bus carries messages: in-process (one process only), or a Kafka cluster through `client`. */
export type BusConfig =
  | { kind: 'memory' }
  | { kind: 'kafka'; brokers: string[]; clientId: string; security: KafkaSecurity; client: KafkaClient };

/** Where case events live: the SQL store on `store` (default), or EventStoreDB. */
export type EventsConfig = { kind: 'sql' } | { kind: 'esdb'; connectionString: string };

export interface PlatformConfig {
  /**
   * maxHeaderBytes: the HTTP server's cap on a request's headers, all of them (Node's
   * `maxHeaderSize`), set so a token up to the verifier's own cap (16 KiB) reaches it.
   */
  http: { host: string; port: number; maxBodyBytes: number; maxHeaderBytes: number };
  events: EventsConfig;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  store: StoreConfig;
  bus: BusConfig;
  /**
   * Prefix of the hub's consumer group names (`<prefix>-ledger`, …): two hubs sharing one
   * Kafka cluster need different prefixes.
   */
  groupPrefix: string;
  tokens: { audience: string; maxTokenAgeSeconds: number; clockToleranceSeconds: number };
  /** How often the audit component signs a checkpoint of the log (0: only on request). */
  checkpointIntervalSeconds: number;
  /**
   * How long a single-writer lease (the relay, the views following the log) lasts unless its
   * holder renews it: how long a dead instance holds up its stand-by (PASSERELLE_LEASE_SECONDS).
   */
  leaseSeconds: number;
  /** How long the gateway waits for an event's receipt before answering 202 (ms). */
  receiptTimeoutMs: number;
  /** Where development keys are written and read (demo federation, CLI). */
  keysDir: string;
  /** Seed a demo federation into an empty store: on by default in embedded mode only. */
  seedDemoFederation: boolean;
  /** OpenTelemetry traces, from the standard OTEL_* variables. */
  tracing: TracingSettings;
  /**
   * A file holding the hub's checkpoint signing key (a private ES256 JWK, e.g. mounted from
   * a Kubernetes Secret); unset: the key is created and kept in the database.
   */
  hubKeyFile?: string;
  /** The console's sign-in through an OpenID Connect provider, when one is configured. */
  consoleSignIn?: ConsoleSignIn;
  /**
   * The key-encryption key of citizens' data keys (PASSERELLE_KEK_FILE; default
   * `<keys dir>/privacy-kek.json`), or `memory` with an in-memory store.
   */
  kekFile: string;
}

/**
 * The OpenID Connect provider the web console signs people in with (authorization code with
 * PKCE, in the browser). It must be an organization's federated issuer: the access token it
 * gives is the one the console sends to the hub.
 */
export interface ConsoleSignIn {
  /** The provider's issuer: the exact `iss` of its tokens, and where its discovery document is. */
  issuer: string;
  clientId: string;
  /** Where the provider sends the browser back; unset: the console's own address (`<origin>/console/`). */
  redirectUri?: string;
  scope: string;
  /** The resource indicator (RFC 8707) asked for: the hub's token audience. */
  resource: string;
}

/**
 * PASSERELLE_CONSOLE_OIDC_*: unset issuer, no OpenID Connect sign-in (tokens are pasted).
 * Plain http is refused except on a loopback address (a provider on the same machine).
 */
export function consoleSignInConfig(env: NodeJS.ProcessEnv, audience = env.PASSERELLE_TOKEN_AUDIENCE ?? 'urn:passerelle:hub'): ConsoleSignIn | undefined {
  const issuer = env.PASSERELLE_CONSOLE_OIDC_ISSUER?.trim();
  if (!issuer) {
    if (env.PASSERELLE_CONSOLE_OIDC_CLIENT_ID) throw new ConfigError('PASSERELLE_CONSOLE_OIDC_CLIENT_ID is set without PASSERELLE_CONSOLE_OIDC_ISSUER: set the provider\'s issuer URL too, or unset both');
    return undefined;
  }
  secureUrl(issuer, 'PASSERELLE_CONSOLE_OIDC_ISSUER');
  const clientId = env.PASSERELLE_CONSOLE_OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new ConfigError('PASSERELLE_CONSOLE_OIDC_ISSUER is set without PASSERELLE_CONSOLE_OIDC_CLIENT_ID: register the console as a public client at the provider and give its client id');
  const redirectUri = env.PASSERELLE_CONSOLE_OIDC_REDIRECT_URI?.trim();
  if (redirectUri) secureUrl(redirectUri, 'PASSERELLE_CONSOLE_OIDC_REDIRECT_URI');
  const scope = env.PASSERELLE_CONSOLE_OIDC_SCOPE?.trim() || 'openid';
  if (!scope.split(/\s+/).includes('openid')) throw new ConfigError(`PASSERELLE_CONSOLE_OIDC_SCOPE=${scope}: an OpenID Connect sign-in asks for the openid scope; add it`);
  return { issuer, clientId, ...(redirectUri ? { redirectUri } : {}), scope, resource: audience };
}

function secureUrl(value: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${name}=${value} is not a URL: expected https://idp.example.gouv/`);
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${name}=${value}: use https (plain http only on a loopback address)`);
  }
  if (url.search || url.hash) throw new ConfigError(`${name}=${value}: no query or fragment`);
  return url;
}

/** A configuration value that cannot be used; the message names the variable and the fix. */
export class ConfigError extends Error {
  readonly code = 'CONFIG.INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function port(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`${name}=${raw} is not a TCP port: use a whole number from 0 to 65535`);
  }
  return value;
}

function bytes(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1024 || value > 64 * 1024 * 1024) {
    throw new ConfigError(`${name}=${raw} is not a usable size: give bytes, from 1024 to 67108864`);
  }
  return value;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 31_536_000) throw new ConfigError(`${name}=${raw} is not a number of seconds`);
  return value;
}

function groupPrefix(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'passerelle';
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(raw)) throw new ConfigError(`PASSERELLE_GROUP_PREFIX=${raw}: use letters, digits, dots, dashes and underscores`);
  return raw;
}

function brokers(raw: string): string[] {
  const list = raw.split(',').map((b) => b.trim()).filter(Boolean);
  for (const broker of list) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS has "${broker}", expected host:port (comma-separated for several)`);
    }
  }
  if (list.length === 0) throw new ConfigError('KAFKA_BROKERS is set but empty: give host:port, or unset it');
  return list;
}

const KAFKA_CLIENTS: readonly KafkaClient[] = ['kafkajs', 'platformatic'];

/** PASSERELLE_KAFKA_CLIENT: which client library speaks to Kafka (kafkajs by default). */
function kafkaClient(raw: string | undefined): KafkaClient {
  if (raw === undefined || raw === '') return 'kafkajs';
  if (!(KAFKA_CLIENTS as readonly string[]).includes(raw)) throw new ConfigError(`PASSERELLE_KAFKA_CLIENT=${raw} is unknown: use kafkajs (the default) or platformatic (@platformatic/kafka)`);
  return raw as KafkaClient;
}

function kafkaSecurity(env: NodeJS.ProcessEnv): KafkaSecurity {
  const kind = env.KAFKA_SECURITY ?? 'sasl_ssl';
  if (kind === 'plaintext') return { kind };
  if (kind !== 'sasl_ssl') throw new ConfigError(`KAFKA_SECURITY=${kind}: use sasl_ssl (the default), or plaintext (unsafe: no encryption, no authentication)`);
  if (!env.PASSERELLE_KAFKA_ISSUER_KEYS) {
    throw new ConfigError(
      "KAFKA_BROKERS is set and Kafka is secured (SASL_SSL, the default), so PASSERELLE_KAFKA_ISSUER_KEYS must name the hub's Kafka key ring (npm run kafka:start prints it)",
    );
  }
  const ttl = seconds(env, 'PASSERELLE_KAFKA_TOKEN_TTL', 300);
  if (ttl < 30 || ttl > 3600) throw new ConfigError(`PASSERELLE_KAFKA_TOKEN_TTL=${ttl}: a Kafka token lives from 30 to 3600 seconds`);
  return {
    kind,
    issuerKeysFile: resolve(env.PASSERELLE_KAFKA_ISSUER_KEYS),
    tokenTtlSeconds: ttl,
    ...(env.KAFKA_CA_FILE ? { caFile: resolve(env.KAFKA_CA_FILE) } : {}),
  };
}

/**
 * Reads the configuration every target shares from the environment.
 *
 * Defaults are the embedded mode: PGlite under `./.passerelle/data`, the in-process bus.
 * Setting `DATABASE_URL` switches to PostgreSQL, `KAFKA_BROKERS` to Kafka.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, clientId = 'passerelle'): PlatformConfig {
  const logLevel = (env.LOG_LEVEL ?? 'info') as PlatformConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL=${env.LOG_LEVEL} is unknown: use one of ${LOG_LEVELS.join(', ')}`);
  }

  let store: StoreConfig;
  if (env.DATABASE_URL) {
    let url: URL;
    try {
      url = new URL(env.DATABASE_URL);
    } catch {
      throw new ConfigError('DATABASE_URL is not a URL: expected postgres://user@host:port/database');
    }
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
      throw new ConfigError(`DATABASE_URL uses ${url.protocol}, expected postgres://user@host:port/database`);
    }
    store = { kind: 'postgres', url: env.DATABASE_URL };
  } else {
    const dir = env.PASSERELLE_DATA_DIR ?? '.passerelle/data';
    store = dir === 'memory://' ? { kind: 'pglite' } : { kind: 'pglite', dataDir: resolve(dir) };
  }

  const bus: BusConfig = env.KAFKA_BROKERS
    ? { kind: 'kafka', brokers: brokers(env.KAFKA_BROKERS), clientId, security: kafkaSecurity(env), client: kafkaClient(env.PASSERELLE_KAFKA_CLIENT) }
    : { kind: 'memory' };

  let events: EventsConfig = { kind: 'sql' };
  if (env.EVENTSTORE_URL) {
    if (!/^(esdb|kurrentdb)(\+discover)?:\/\//.test(env.EVENTSTORE_URL)) {
      throw new ConfigError(`EVENTSTORE_URL=${env.EVENTSTORE_URL} is not an EventStoreDB connection string: use esdb://host:2113?tls=false`);
    }
    events = { kind: 'esdb', connectionString: env.EVENTSTORE_URL };
  }

  const seed = env.PASSERELLE_DEMO_FEDERATION ?? (store.kind === 'pglite' ? 'on' : 'off');
  if (seed !== 'on' && seed !== 'off') throw new ConfigError(`PASSERELLE_DEMO_FEDERATION=${seed}: use on or off`);

  let tracing: TracingSettings;
  try {
    tracing = readTracingSettings(env);
  } catch (err) {
    throw new ConfigError((err as Error).message);
  }

  const hubKeyFile = env.PASSERELLE_HUB_KEY_FILE ? resolve(env.PASSERELLE_HUB_KEY_FILE) : undefined;
  if (hubKeyFile) {
    let isFile = false;
    try {
      isFile = statSync(hubKeyFile).isFile();
    } catch {
      // reported below
    }
    if (!isFile) {
      throw new ConfigError(`PASSERELLE_HUB_KEY_FILE=${env.PASSERELLE_HUB_KEY_FILE}: no such file: mount the hub's signing key there (a private ES256 JWK), or unset it to keep the key in the database`);
    }
  }

  const consoleSignIn = consoleSignInConfig(env);

  return {
    ...(hubKeyFile ? { hubKeyFile } : {}),
    ...(consoleSignIn ? { consoleSignIn } : {}),
    tracing,
    tokens: {
      audience: env.PASSERELLE_TOKEN_AUDIENCE ?? 'urn:passerelle:hub',
      maxTokenAgeSeconds: seconds(env, 'PASSERELLE_TOKEN_MAX_AGE', 3600),
      clockToleranceSeconds: seconds(env, 'PASSERELLE_CLOCK_TOLERANCE', 30),
    },
    keysDir: resolve(env.PASSERELLE_KEYS_DIR ?? '.passerelle/keys'),
    kekFile: env.PASSERELLE_KEK_FILE ? resolve(env.PASSERELLE_KEK_FILE) : store.kind === 'pglite' && !store.dataDir ? 'memory' : join(resolve(env.PASSERELLE_KEYS_DIR ?? '.passerelle/keys'), 'privacy-kek.json'),
    receiptTimeoutMs: seconds(env, 'PASSERELLE_RECEIPT_TIMEOUT', 10) * 1000,
    checkpointIntervalSeconds: seconds(env, 'PASSERELLE_CHECKPOINT_INTERVAL', 60),
    leaseSeconds: Math.max(1, seconds(env, 'PASSERELLE_LEASE_SECONDS', 10)),
    seedDemoFederation: seed === 'on',
    http: {
      host: env.HOST ?? '127.0.0.1',
      port: port(env, 'PORT', 3000),
      maxBodyBytes: bytes(env, 'PASSERELLE_MAX_ENVELOPE_BYTES', 256 * 1024),
      maxHeaderBytes: bytes(env, 'PASSERELLE_MAX_HEADER_BYTES', 32 * 1024),
    },
    logLevel,
    store,
    bus,
    groupPrefix: groupPrefix(env.PASSERELLE_GROUP_PREFIX),
    events,
  };
}
