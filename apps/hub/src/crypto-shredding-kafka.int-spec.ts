import { createScratchDatabase, testKafkaEnv } from '@passerelle/testing';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoShreddingScenario } from './crypto-shredding.contract';

// PostgreSQL and the run's Kafka broker: the views follow the outbound topics (which carry the
// fields in clear) and must keep them sealed; the relay sends each organization the erasure.
cryptoShreddingScenario('PostgreSQL and Kafka', async () => {
  const [database, dir] = await Promise.all([createScratchDatabase(), mkdtemp(join(tmpdir(), 'shred-kafka-'))]);
  return {
    env: { ...testKafkaEnv(), DATABASE_URL: database.url, PASSERELLE_KEYS_DIR: join(dir, 'keys'), PASSERELLE_GROUP_PREFIX: `shred-${randomUUID().slice(0, 8)}` },
    cleanup: async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
