import { Kafka, logLevel, type LogEntry } from 'kafkajs';
import { oauthBearer } from './oauthbearer';
import { refreshingToken, type ExpiringToken } from './token-provider';

/** How a client reaches and authenticates to the cluster. */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  /** TLS, trusting these CA certificates (PEM), or the system's when `ca` is absent. Absent: an unencrypted connection. */
  ssl?: { ca?: string[] };
  /**
   * SASL/OAUTHBEARER: where each (re)authentication gets its token (a hub-signed JWT whose
   * `sub` is the principal). Wrapped so a token is renewed before it expires.
   */
  token?: () => Promise<ExpiringToken>;
  /** Receives kafkajs' own log lines; by default they are dropped below `warn`. */
  log?: (level: 'error' | 'warn' | 'info' | 'debug', message: string, extra: Record<string, unknown>) => void;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

export function kafkaClient(options: KafkaConnectionOptions): Kafka {
  const log = options.log;
  const token = options.token ? refreshingToken(options.token) : undefined;
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    // A TLS handshake plus a SASL exchange on a loaded machine takes longer than kafkajs' 1 s.
    connectionTimeout: 10_000,
    ...(options.ssl ? { ssl: options.ssl.ca ? { ca: options.ssl.ca } : true } : {}),
    ...(token ? { sasl: oauthBearer(token) } : {}),
    logLevel: log ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      log?.(LEVELS[entry.level] ?? 'info', message, { namespace: entry.namespace, ...extra });
    },
  });
}
