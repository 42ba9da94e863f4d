// Test support: what the run's global setup brought up, and helpers to isolate tests on it.
export { testDatabaseUrl, testKafkaBrokers, testKafkaDescription, testKafkaSecurity, testOperationsTools } from './environment';
export { grantHubServices, kafkaConnectionAs, testKafkaConnection, testKafkaEnv, testOrganizationBus } from './kafka-clients';
export { createScratchDatabase, type ScratchDatabase } from './databases';
export { admitTestOrganization, type TestOrganization } from './organizations';
export { caseEvent, inboundMessage, storedCaseEvent } from './case-events';
export { columnsHolding } from './plaintext-search';
// Bringing up the infrastructure: jest's global setup, and the benchmark suite, use these.
export { kafkaEnvironment, provideKafka, type KafkaSecurityFiles, type ProvidedKafka } from './infrastructure/kafka';
export { providePostgres, type ProvidedPostgres } from './infrastructure/postgres';
export { provideOperationsTools, type OperationsTools } from './infrastructure/operations-tools';
export { CHROMIUM_ARGS, CHROMIUM_PATH, provideChromium } from './infrastructure/chromium';
export { MissingPrerequisite } from './infrastructure/prerequisite';
export { startPrivatePostgres, type PrivatePostgres } from './infrastructure/private-postgres';
