// Test support: what the run's global setup brought up, and helpers to isolate tests on it.
export { testDatabaseUrl, testKafkaBrokers, testKafkaDescription } from './environment';
export { createScratchDatabase, type ScratchDatabase } from './databases';
export { admitTestOrganization, type TestOrganization } from './organizations';
export { caseEvent, inboundMessage } from './case-events';
