import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { inboundTopic, outboundTopic, receiptsTopic } from '@passerelle/contracts';
import { HubKeyRing, mintToken } from '@passerelle/identity';
import { CommandError, type Output } from '../cli-output';
import { HubClient } from '../hub-client';
import { keyDir, readKeyFile } from '../org/key-files';

interface KafkaOptions {
  hub: string;
  as: string;
  keyDir?: string;
  json?: boolean;
}

interface KafkaConnection {
  bootstrapServers: string[];
  securityProtocol: string;
  saslMechanism: string;
  tokenEndpoint: string;
  audience: string;
  issuer: string;
  ca: string | null;
}

/**
 * `passerelle kafka token --as <org>`: the organization's own token (signed with its key
 * file), exchanged at the hub (RFC 8693) for a short-lived Kafka access token.
 */
export async function kafkaTokenCommand(options: KafkaOptions, output: Output): Promise<number> {
  const key = await readKeyFile(keyDir(options.keyDir), options.as);
  const subject = await mintToken({ iss: key.issuer, sub: `${options.as}/kafka`, roles: ['publisher', 'subscriber'], ttlSeconds: 300 }, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });
  const hub = new HubClient(options.hub);
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    subject_token: subject,
    subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    audience: 'urn:passerelle:kafka',
  });
  const { status, body } = await hub.request<Record<string, unknown>>('POST', '/oauth/token', form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
  if (status !== 200) {
    if (typeof body.error === 'string') {
      output.err(`the hub refused the exchange: ${body.error}: ${String(body.error_description)}`);
      return 1;
    }
    throw new CommandError(`the hub answered ${status} to the token exchange: ${JSON.stringify(body)}`);
  }
  if (options.json) output.out(JSON.stringify(body, null, 2));
  else output.out(body.access_token as string);
  return 0;
}

/**
 * `passerelle kafka config --as <org>`: what the organization's own Kafka client needs —
 * bootstrap servers, the CA (written to --ca-file), the token endpoint, its topic names —
 * as Java/librdkafka properties and as kafkajs options.
 */
export async function kafkaConfigCommand(options: KafkaOptions & { caFile?: string }, output: Output): Promise<number> {
  const hub = new HubClient(options.hub);
  const { status, body } = await hub.request<KafkaConnection & { message?: string }>('GET', '/.well-known/passerelle-kafka');
  if (status !== 200) throw new CommandError(`the hub has no Kafka for members (${status}): ${body.message ?? JSON.stringify(body)}`);
  const caFile = resolve(options.caFile ?? 'passerelle-kafka-ca.pem');
  if (body.ca) await writeFile(caFile, body.ca);
  const tokenEndpoint = new URL(body.tokenEndpoint, options.hub).toString();
  const topics = { publish: inboundTopic(options.as), receive: outboundTopic(options.as), receipts: receiptsTopic(options.as), groups: `${options.as}.<any name>` };
  if (options.json) {
    output.out(JSON.stringify({ ...body, ca: body.ca ? caFile : null, tokenEndpoint, topics }, null, 2));
    return 0;
  }
  const servers = body.bootstrapServers.join(',');
  output.out(`# Kafka for ${options.as}, from ${options.hub}`);
  output.out(`# topics: publish to ${topics.publish}, receive from ${topics.receive}, receipts on ${topics.receipts}; consumer groups ${topics.groups}`);
  output.out(`# tokens: POST ${tokenEndpoint} (RFC 8693 token exchange, audience ${body.audience}); \`passerelle kafka token --as ${options.as}\` gets one`);
  output.out(body.ca ? `# CA written to ${caFile}` : '# the broker’s certificate chains to a public CA: the system trust store applies');
  output.out('');
  output.out('# Java client (Kafka 4.x): it reads the token from a file that `passerelle kafka token` renews;');
  output.out('# start it with -Dorg.apache.kafka.sasl.oauthbearer.allowed.urls=file:///path/to/kafka-token.jwt');
  output.out(`bootstrap.servers=${servers}`);
  output.out(`security.protocol=${body.securityProtocol}`);
  output.out(`sasl.mechanism=${body.saslMechanism}`);
  if (body.ca) output.out(`ssl.truststore.type=PEM\nssl.truststore.location=${caFile}`);
  output.out('sasl.login.callback.handler.class=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler');
  output.out('sasl.oauthbearer.token.endpoint.url=file:///path/to/kafka-token.jwt');
  output.out('sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required ;');
  output.out('');
  output.out('# librdkafka: set the token from your oauthbearer_token_refresh_cb (rd_kafka_oauthbearer_set_token)');
  output.out(`bootstrap.servers=${servers}\nsecurity.protocol=sasl_ssl\nsasl.mechanism=OAUTHBEARER${body.ca ? `\nssl.ca.location=${caFile}` : ''}`);
  output.out('');
  output.out('# kafkajs: new Kafka({ ...this, sasl: { mechanism: "oauthbearer", oauthBearerProvider } }), the provider POSTing to the token endpoint');
  output.out(JSON.stringify({ brokers: body.bootstrapServers, ssl: body.ca ? { ca: [`<contents of ${caFile}>`] } : true, sasl: { mechanism: 'oauthbearer' } }, null, 2));
  return 0;
}

/**
 * `passerelle kafka rotate-key --keys <file>` (operator, on the hub's host): a new signing key
 * for Kafka tokens. The previous key stays in the JWKS until every token it signed has
 * expired (an hour at most), so no live connection's next re-authentication fails.
 */
export function kafkaRotateKeyCommand(options: { keys?: string }, output: Output): number {
  const file = options.keys ?? process.env.PASSERELLE_KAFKA_ISSUER_KEYS;
  if (!file) throw new CommandError("--keys or PASSERELLE_KAFKA_ISSUER_KEYS must name the hub's Kafka key ring");
  let ring: HubKeyRing;
  try {
    ring = HubKeyRing.open(resolve(file), { maxTokenLifetimeSeconds: 3600 });
  } catch (err) {
    throw new CommandError((err as Error).message);
  }
  const { kid, retired, dropped } = ring.rotate();
  output.out(`signing key  ${kid}`);
  output.out(`retired      ${retired.join(', ') || 'none'} (still published until its tokens expire)`);
  if (dropped.length > 0) output.out(`dropped      ${dropped.join(', ')} (no token it signed is still valid)`);
  output.out(`JWKS         ${ring.jwksFile} (the broker re-reads it; the hub signs with the new key from its next token)`);
  return 0;
}
