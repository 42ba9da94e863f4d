import { KafkaJSSASLAuthenticationError, type AuthenticationProviderArgs, type Mechanism } from 'kafkajs';
import { describeToken, type ExpiringToken } from './token-provider';

const SOH = '\u0001';

/**
 * SASL/OAUTHBEARER (RFC 7628) for kafkajs, reading the broker's refusal. kafkajs' built-in
 * mechanism takes the server's error challenge (`{"status":"invalid_token"}`) for success,
 * sends its next request unauthenticated and sees only a closed connection. Here the
 * challenge is answered with %x01, as RFC 7628 §3.2.3 asks, so the broker ends the exchange
 * with SASL_AUTHENTICATION_FAILED, and the client gets an error that says so — with the
 * token's subject and expiry, the checks a user can make (the broker logs the exact reason).
 */
export function oauthBearer(token: () => Promise<ExpiringToken>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }: AuthenticationProviderArgs) => ({
      authenticate: async () => {
        const { value } = await token();
        // kafkajs hands SASL payloads over as Kafka BYTES: an int32 length, then the bytes.
        const raw = { decode: (bytes: Buffer | null) => (bytes && bytes.length > 4 ? bytes.subarray(4) : Buffer.alloc(0)), parse: (bytes: Buffer) => bytes };
        const challenge = await saslAuthenticate<Buffer>({ request: { encode: () => sized(`n,,${SOH}auth=Bearer ${value}${SOH}${SOH}`) }, response: raw });
        if (!challenge || challenge.length === 0) return;
        let detail = challenge.toString('utf8');
        try {
          await saslAuthenticate({ request: { encode: () => sized(SOH) } });
        } catch (err) {
          const message = (err as Error).message;
          if (!detail.includes(message)) detail = `${detail}; ${message}`;
        }
        // Not retriable: kafkajs gives up at once rather than presenting a refused token again.
        throw new SaslAuthenticationError(
          `SASL_AUTHENTICATION_FAILED: the broker at ${host}:${port} refused the OAUTHBEARER token (${describeToken(value)}): ${detail}`,
        );
      },
    }),
  };
}

function sized(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

// kafkajs' typings omit the constructor's message argument, which its code takes.
const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;
