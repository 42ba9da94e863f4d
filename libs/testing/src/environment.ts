/**
 * What jest's global setup (test/setup/global-setup.ts) brought up for this run. Tests read
 * it here, and isolate themselves with unique topic, group and table names.
 */
function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: integration tests run under jest's global setup (npm test, or npx jest --selectProjects integration)`);
  }
  return value;
}

/** Brokers of the Kafka cluster this test run uses. */
export function testKafkaBrokers(): string[] {
  return required('PASSERELLE_TEST_KAFKA_BROKERS').split(',');
}

/** How this run's broker is secured: the CA and key ring files, or plaintext. */
export function testKafkaSecurity(): { kind: 'sasl_ssl'; caFile: string; issuerKeys: string } | { kind: 'plaintext' } {
  if (required('PASSERELLE_TEST_KAFKA_SECURITY') === 'plaintext') return { kind: 'plaintext' };
  return { kind: 'sasl_ssl', caFile: required('PASSERELLE_TEST_KAFKA_CA_FILE'), issuerKeys: required('PASSERELLE_TEST_KAFKA_ISSUER_KEYS') };
}

/** A human description of that broker, e.g. "Apache Kafka 4.1.1 (local, from Maven Central)". */
export function testKafkaDescription(): string {
  return required('PASSERELLE_TEST_KAFKA_DESCRIPTION');
}

/** A database created for this test run alone, dropped at its end. */
export function testDatabaseUrl(): string {
  return required('PASSERELLE_TEST_DATABASE_URL');
}

/** promtool, prometheus and docker-compose, found or installed by the global setup. */
export function testOperationsTools(): { promtool: string; prometheus: string; dockerCompose: string } {
  return {
    promtool: required('PASSERELLE_TEST_PROMTOOL'),
    prometheus: required('PASSERELLE_TEST_PROMETHEUS'),
    dockerCompose: required('PASSERELLE_TEST_DOCKER_COMPOSE'),
  };
}
