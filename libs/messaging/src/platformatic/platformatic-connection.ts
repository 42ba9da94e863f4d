import { AuthenticationError, type BaseOptions, type Connection, type ConnectionPoolEventPayload, type saslAuthenticateV2, type SASLOptions } from '@platformatic/kafka';
import type { KafkaConnectionOptions } from '../kafka/kafka-connection';
import { describeToken, refreshingToken, type ExpiringToken } from '../kafka/token-provider';

const SOH = '\u0001';

/**
 * KafkaConnectionOptions in @platformatic/kafka's terms, shared by its producer, consumers and
 * admin. The client asks for a token on each connection and re-authenticates at 80 % of the
 * session the broker grants (bounded by the token's exp), so the refreshing wrapper always has
 * a fresh one by then.
 */
export function platformaticOptions(options: KafkaConnectionOptions): Pick<BaseOptions, 'clientId' | 'bootstrapBrokers' | 'connectTimeout' | 'tls' | 'sasl'> {
  const token = options.token ? refreshingToken(options.token) : undefined;
  return {
    clientId: options.clientId,
    bootstrapBrokers: options.brokers,
    // A TLS handshake plus a SASL exchange on a loaded machine takes longer than the client's 5 s.
    connectTimeout: 10_000,
    ...(options.ssl ? { tls: options.ssl.ca ? { ca: options.ssl.ca } : {} } : {}),
    ...(token ? { sasl: oauthBearer(token) } : {}),
  };
}

interface BrokerEvents {
  on(event: 'client:broker:failed' | 'client:broker:disconnect', listener: (payload: ConnectionPoolEventPayload) => void): unknown;
}

/**
 * The client logs only through the `debug` module; a logger cannot be plugged in. What an
 * operator needs — a broker unreachable, a connection lost — comes from its events instead.
 */
export function forwardLog(client: BrokerEvents, options: KafkaConnectionOptions): void {
  const log = options.log;
  if (!log) return;
  client.on('client:broker:failed', ({ broker }) => log('warn', `cannot connect to the Kafka broker at ${broker.host}:${broker.port}`, { clientId: options.clientId }));
  client.on('client:broker:disconnect', ({ broker }) => log('info', `connection to the Kafka broker at ${broker.host}:${broker.port} closed`, { clientId: options.clientId }));
}

/**
 * SASL/OAUTHBEARER (RFC 7628) reading the broker's refusal. The client's built-in mechanism
 * takes the server's error challenge (`{"status":"invalid_token"}`) for success, as kafkajs'
 * does, and then sees requests fail on a closed connection. Here the challenge is answered
 * with %x01 (RFC 7628 §3.2.3), the broker ends the exchange with SASL_AUTHENTICATION_FAILED,
 * and the error names the token's subject and expiry. Not retriable (`canRetry: false`): the
 * client gives up at once rather than presenting a refused token again.
 */
function oauthBearer(token: () => Promise<ExpiringToken>): SASLOptions {
  return {
    mechanism: 'OAUTHBEARER',
    authenticate: (_mechanism, connection, authenticate, _username, _password, _token, callback) => {
      exchange(connection, authenticate, token).then(
        (response) => callback(null, response),
        (err: unknown) => callback(err as Error),
      );
    },
  };
}

async function exchange(connection: Connection, authenticate: saslAuthenticateV2.SASLAuthenticationAPI, token: () => Promise<ExpiringToken>) {
  const { value } = await token();
  const response = await authenticate.async(connection, Buffer.from(`n,,${SOH}auth=Bearer ${value}${SOH}${SOH}`));
  if (response.authBytes.length === 0) return response;
  let detail = response.authBytes.toString('utf8');
  try {
    await authenticate.async(connection, Buffer.from(SOH));
  } catch (err) {
    const broker = brokerMessage(err);
    if (!detail.includes(broker)) detail = `${detail}; ${broker}`;
  }
  throw new AuthenticationError(
    `SASL_AUTHENTICATION_FAILED: the broker at ${connection.host}:${connection.port} refused the OAUTHBEARER token (${describeToken(value)}): ${detail}`,
    { canRetry: false },
  );
}

/** The broker's own words in a SaslAuthenticate error response, else the client's message. */
function brokerMessage(err: unknown): string {
  const first = (err as { errors?: Array<{ apiId?: string; serverErrorMessage?: string | null }> }).errors?.[0];
  if (first?.apiId) return `${first.apiId}${first.serverErrorMessage ? `: ${first.serverErrorMessage}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
