import { readFileSync } from 'node:fs';
import { HUB_ADMIN_PRINCIPAL, hubServiceAccess, managedByHub } from '@passerelle/contracts';
import { HubKeyRing } from '@passerelle/identity';
import { KafkaAccessControl, KafkaBus, type KafkaConnectionOptions } from '@passerelle/messaging';
import { testKafkaBrokers, testKafkaSecurity } from './environment';
import { kafkaEnvironment, type KafkaSecurityFiles } from './infrastructure/kafka';

/** The environment a hub process needs for this run's broker (KAFKA_BROKERS, CA, key ring). */
export function testKafkaEnv(): Record<string, string> {
  return kafkaEnvironment({ brokers: testKafkaBrokers(), security: testKafkaSecurity() });
}

/**
 * A client of `kafka` authenticated as `principal` with a token signed by the hub's key
 * ring, as the token exchange would hand an organization (or a hub service mints for
 * itself). hub_admin, the super user, by default.
 */
export function kafkaConnectionAs(
  kafka: { brokers: string[]; security: KafkaSecurityFiles },
  principal: string = HUB_ADMIN_PRINCIPAL,
  clientId = `test-${principal}`,
  ttlSeconds = 300,
): KafkaConnectionOptions {
  if (kafka.security.kind === 'plaintext') return { brokers: kafka.brokers, clientId };
  const ring = HubKeyRing.open(kafka.security.issuerKeys);
  return { brokers: kafka.brokers, clientId, ssl: { ca: [readFileSync(kafka.security.caFile, 'utf8')] }, token: () => ring.mint(principal, ttlSeconds) };
}

/** The same, on this run's broker. */
export function testKafkaConnection(principal: string = HUB_ADMIN_PRINCIPAL, clientId?: string, ttlSeconds?: number): KafkaConnectionOptions {
  return kafkaConnectionAs({ brokers: testKafkaBrokers(), security: testKafkaSecurity() }, principal, clientId, ttlSeconds);
}

/**
 * A member organization's own Kafka client: its principal, and no topic creation (members
 * may not create topics; the hub makes theirs).
 */
export function testOrganizationBus(organization: string, clientId = `test-${organization}`): KafkaBus {
  return new KafkaBus({ ...testKafkaConnection(organization, clientId), createTopics: false });
}

/**
 * Grants the hub services' ACLs for `groupPrefix`, as the federation target does at its
 * start: for tests that run a lone service (the ledger, …) without the federation.
 */
export async function grantHubServices(groupPrefix: string, kafka?: { brokers: string[]; security: KafkaSecurityFiles }): Promise<void> {
  const connection = kafka ? kafkaConnectionAs(kafka) : testKafkaConnection();
  if (!connection.token) return; // plaintext: no ACLs to grant
  const access = new KafkaAccessControl(connection);
  try {
    await access.reconcile(hubServiceAccess(groupPrefix), managedByHub(groupPrefix, new Set()));
  } finally {
    await access.close();
  }
}
