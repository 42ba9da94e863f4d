import { provideChromium, provideKafka, provideOperationsTools, providePostgres, type ProvidedKafka, type ProvidedPostgres } from '@passerelle/testing';

declare global {
  // Handed from global setup to global teardown (same process).
  var __passerelleInfra: { kafka?: ProvidedKafka; postgres?: ProvidedPostgres } | undefined;
}

/**
 * Brings up the real infrastructure once per run. Test workers inherit the environment
 * set here, read it through @passerelle/testing, and isolate by unique names.
 */
export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const infra: NonNullable<typeof globalThis.__passerelleInfra> = {};
  globalThis.__passerelleInfra = infra;
  const [kafka, postgres, tools, chromium] = await Promise.allSettled([provideKafka(), providePostgres(), provideOperationsTools(), provideChromium()]);
  if (kafka.status === 'fulfilled') infra.kafka = kafka.value;
  if (postgres.status === 'fulfilled') infra.postgres = postgres.value;
  const failed = [kafka, postgres, tools].find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // Stop what did come up, so a failed run leaves no broker or database behind.
    await Promise.allSettled([infra.kafka?.stop(), infra.postgres?.stop()]);
    throw failed.reason;
  }
  process.env.PASSERELLE_TEST_KAFKA_BROKERS = infra.kafka!.brokers.join(',');
  process.env.PASSERELLE_TEST_KAFKA_DESCRIPTION = infra.kafka!.description;
  const security = infra.kafka!.security;
  process.env.PASSERELLE_TEST_KAFKA_SECURITY = security.kind;
  // Where the broker logs why it refused a client (a local broker's folder).
  if (infra.kafka!.dir) process.env.PASSERELLE_TEST_KAFKA_LOG = `${infra.kafka!.dir}/broker.log`;
  if (security.kind === 'sasl_ssl') {
    process.env.PASSERELLE_TEST_KAFKA_CA_FILE = security.caFile;
    process.env.PASSERELLE_TEST_KAFKA_ISSUER_KEYS = security.issuerKeys;
  }
  process.env.PASSERELLE_TEST_DATABASE_URL = infra.postgres!.url;
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  // The browser tests fail with this line when there is no Chromium; the others run on.
  const browser: { path?: string; description: string } = chromium.status === 'fulfilled' ? chromium.value : { description: `Chromium: ${String(chromium.reason)}` };
  if (browser.path) process.env.PASSERELLE_TEST_CHROMIUM = browser.path;
  else process.env.PASSERELLE_TEST_CHROMIUM_MISSING = browser.description;
  const ops = (tools as PromiseFulfilledResult<Awaited<ReturnType<typeof provideOperationsTools>>>).value;
  process.env.PASSERELLE_TEST_PROMTOOL = ops.promtool;
  process.env.PASSERELLE_TEST_PROMETHEUS = ops.prometheus;
  process.env.PASSERELLE_TEST_DOCKER_COMPOSE = ops.dockerCompose;
  process.stdout.write(
    `\ninfrastructure ready in ${((Date.now() - started) / 1000).toFixed(1)} s:\n  kafka: ${infra.kafka!.description}\n  postgres: ${infra.postgres!.description}\n  chromium: ${browser.description}\n  tools: ${ops.description}\n`,
  );
}
