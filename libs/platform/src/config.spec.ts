import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('defaults to embedded mode: PGlite under ./.passerelle/data, the in-process bus, port 3000 on loopback', () => {
    const config = loadConfig({});

    expect(config.store).toEqual({ kind: 'pglite', dataDir: expect.stringMatching(/\/\.passerelle\/data$/) });
    expect(config.bus).toEqual({ kind: 'memory' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 3000, maxBodyBytes: 262144, maxHeaderBytes: 32768 });
    expect(config.seedDemoFederation).toBe(true);
    expect(config.tokens).toEqual({ audience: 'urn:passerelle:hub', maxTokenAgeSeconds: 3600, clockToleranceSeconds: 30 });
  });

  it('keeps the embedded store in memory when PASSERELLE_DATA_DIR=memory://', () => {
    expect(loadConfig({ PASSERELLE_DATA_DIR: 'memory://' }).store).toEqual({ kind: 'pglite' });
  });

  it('switches to PostgreSQL and Kafka when DATABASE_URL and KAFKA_BROKERS are set; Kafka is secured unless told otherwise', () => {
    const config = loadConfig(
      { DATABASE_URL: 'postgres://u@db:5432/hub', KAFKA_BROKERS: 'k1:9092, k2:9092', KAFKA_CA_FILE: '/etc/kafka/ca.pem', PASSERELLE_KAFKA_ISSUER_KEYS: '/etc/passerelle/keys.json' },
      'passerelle-ledger',
    );

    expect(config.store).toEqual({ kind: 'postgres', url: 'postgres://u@db:5432/hub' });
    expect(config.bus).toEqual({
      kind: 'kafka',
      brokers: ['k1:9092', 'k2:9092'],
      clientId: 'passerelle-ledger',
      security: { kind: 'sasl_ssl', caFile: '/etc/kafka/ca.pem', issuerKeysFile: '/etc/passerelle/keys.json', tokenTtlSeconds: 300 },
      client: 'kafkajs',
    });
    expect(config.seedDemoFederation).toBe(false);
  });

  it('traces only when an OTLP endpoint or exporter is named, to the specification’s URL', () => {
    expect(loadConfig({}).tracing).toEqual({ enabled: false, reason: 'no OTEL_EXPORTER_OTLP_ENDPOINT' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      enabled: true,
      exporter: 'otlp',
      protocol: 'http/protobuf',
      endpoint: 'http://collector:4318/v1/traces',
    });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://c/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).tracing).toMatchObject({ endpoint: 'https://c/traces', protocol: 'http/json' });
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toEqual({ enabled: false, reason: 'OTEL_SDK_DISABLED=true' });
  });

  it('connects to Kafka in plaintext only when KAFKA_SECURITY=plaintext says so', () => {
    expect(loadConfig({ KAFKA_BROKERS: 'k1:9092', KAFKA_SECURITY: 'plaintext' }).bus).toEqual({ kind: 'kafka', brokers: ['k1:9092'], clientId: 'passerelle', security: { kind: 'plaintext' }, client: 'kafkajs' });
  });

  it('speaks to Kafka through @platformatic/kafka when PASSERELLE_KAFKA_CLIENT=platformatic says so, kafkajs otherwise', () => {
    const kafka = { KAFKA_BROKERS: 'k1:9092', KAFKA_SECURITY: 'plaintext' };
    expect(loadConfig({ ...kafka, PASSERELLE_KAFKA_CLIENT: 'platformatic' }).bus).toMatchObject({ kind: 'kafka', client: 'platformatic' });
    expect(loadConfig({ ...kafka, PASSERELLE_KAFKA_CLIENT: 'kafkajs' }).bus).toMatchObject({ client: 'kafkajs' });
    expect(loadConfig(kafka).bus).toMatchObject({ client: 'kafkajs' });
  });

  it.each([
    [{ PORT: '70000' }, 'PORT=70000 is not a TCP port: use a whole number from 0 to 65535'],
    [{ PORT: 'abc' }, 'PORT=abc is not a TCP port: use a whole number from 0 to 65535'],
    [{ KAFKA_BROKERS: 'kafka' }, 'KAFKA_BROKERS has "kafka", expected host:port (comma-separated for several)'],
    [{ KAFKA_BROKERS: ' , ' }, 'KAFKA_BROKERS is set but empty: give host:port, or unset it'],
    [{ DATABASE_URL: 'localhost:5432' }, 'DATABASE_URL uses localhost:, expected postgres://user@host:port/database'],
    [{ DATABASE_URL: 'not a url' }, 'DATABASE_URL is not a URL: expected postgres://user@host:port/database'],
    [{ PASSERELLE_MAX_ENVELOPE_BYTES: '10' }, 'PASSERELLE_MAX_ENVELOPE_BYTES=10 is not a usable size: give bytes, from 1024 to 67108864'],
    [{ PASSERELLE_MAX_HEADER_BYTES: '16k' }, 'PASSERELLE_MAX_HEADER_BYTES=16k is not a usable size: give bytes, from 1024 to 67108864'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL=loud is unknown: use one of fatal, error, warn, info, debug, trace, silent'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT=collector:4318 uses collector:: OTLP/HTTP needs http:// or https://'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, "OTEL_EXPORTER_OTLP_ENDPOINT=not a url is not a URL: give the collector's OTLP/HTTP address, e.g. http://otel-collector:4318"],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported here: use http/protobuf or http/json'],
    [{ OTEL_TRACES_SAMPLER: 'sometimes' }, 'OTEL_TRACES_SAMPLER=sometimes is not a sampler: use one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio'],
    [{ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG=2 is not a ratio: use a number from 0 to 1'],
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER=jaeger is not an exporter: use otlp, console or none'],
    [{ OTEL_BSP_MAX_QUEUE_SIZE: 'lots' }, 'OTEL_BSP_MAX_QUEUE_SIZE=lots is not a usable number: give a whole number above 0'],
    [{ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED=yes: use true or false'],
    [{ PASSERELLE_HUB_KEY_FILE: '/run/secrets/none/hub-key.json' }, "PASSERELLE_HUB_KEY_FILE=/run/secrets/none/hub-key.json: no such file: mount the hub's signing key there (a private ES256 JWK), or unset it to keep the key in the database"],
    [
      { KAFKA_BROKERS: 'k1:9092' },
      "KAFKA_BROKERS is set and Kafka is secured (SASL_SSL, the default), so PASSERELLE_KAFKA_ISSUER_KEYS must name the hub's Kafka key ring (npm run kafka:start prints it)",
    ],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_SECURITY: 'plaintext', PASSERELLE_KAFKA_CLIENT: 'rdkafka' }, 'PASSERELLE_KAFKA_CLIENT=rdkafka is unknown: use kafkajs (the default) or platformatic (@platformatic/kafka)'],
    [{ KAFKA_BROKERS: 'k1:9092', KAFKA_SECURITY: 'ssl' }, 'KAFKA_SECURITY=ssl: use sasl_ssl (the default), or plaintext (unsafe: no encryption, no authentication)'],
    [{ KAFKA_BROKERS: 'k1:9092', PASSERELLE_KAFKA_ISSUER_KEYS: 'k.json', PASSERELLE_KAFKA_TOKEN_TTL: '5' }, 'PASSERELLE_KAFKA_TOKEN_TTL=5: a Kafka token lives from 30 to 3600 seconds'],
  ])('rejects %j saying what to fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('the console’s OpenID Connect sign-in (PASSERELLE_CONSOLE_OIDC_*)', () => {
  it('is off unless an issuer is set', () => {
    expect(loadConfig({}).consoleSignIn).toBeUndefined();
  });

  it('takes the issuer as the tokens’ exact iss, the client id, a redirect URI, the openid scope and the hub’s audience as the resource', () => {
    expect(loadConfig({ PASSERELLE_CONSOLE_OIDC_ISSUER: 'https://idp.ramq.gouv.qc.ca', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'passerelle-console', PASSERELLE_CONSOLE_OIDC_REDIRECT_URI: 'https://hub.example/console/' }).consoleSignIn).toEqual({
      issuer: 'https://idp.ramq.gouv.qc.ca',
      clientId: 'passerelle-console',
      redirectUri: 'https://hub.example/console/',
      scope: 'openid',
      resource: 'urn:passerelle:hub',
    });
    expect(loadConfig({ PASSERELLE_CONSOLE_OIDC_ISSUER: 'http://127.0.0.1:4000', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c', PASSERELLE_CONSOLE_OIDC_SCOPE: 'openid profile' }).consoleSignIn).toEqual({ issuer: 'http://127.0.0.1:4000', clientId: 'c', scope: 'openid profile', resource: 'urn:passerelle:hub' });
  });

  it.each([
    [{ PASSERELLE_CONSOLE_OIDC_ISSUER: 'https://idp.example' }, 'PASSERELLE_CONSOLE_OIDC_ISSUER is set without PASSERELLE_CONSOLE_OIDC_CLIENT_ID: register the console as a public client at the provider and give its client id'],
    [{ PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c' }, 'PASSERELLE_CONSOLE_OIDC_CLIENT_ID is set without PASSERELLE_CONSOLE_OIDC_ISSUER: set the provider\'s issuer URL too, or unset both'],
    [{ PASSERELLE_CONSOLE_OIDC_ISSUER: 'idp.example', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c' }, 'PASSERELLE_CONSOLE_OIDC_ISSUER=idp.example is not a URL: expected https://idp.example.gouv/'],
    [{ PASSERELLE_CONSOLE_OIDC_ISSUER: 'http://idp.example', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c' }, 'PASSERELLE_CONSOLE_OIDC_ISSUER=http://idp.example: use https (plain http only on a loopback address)'],
    [{ PASSERELLE_CONSOLE_OIDC_ISSUER: 'https://idp.example', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c', PASSERELLE_CONSOLE_OIDC_REDIRECT_URI: 'https://hub.example/console/#x' }, 'PASSERELLE_CONSOLE_OIDC_REDIRECT_URI=https://hub.example/console/#x: no query or fragment'],
    [{ PASSERELLE_CONSOLE_OIDC_ISSUER: 'https://idp.example', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'c', PASSERELLE_CONSOLE_OIDC_SCOPE: 'profile' }, 'PASSERELLE_CONSOLE_OIDC_SCOPE=profile: an OpenID Connect sign-in asks for the openid scope; add it'],
  ])('refuses %j saying what to fix', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});
