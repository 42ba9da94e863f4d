import { createScratchDatabase } from '@passerelle/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoShreddingScenario } from './crypto-shredding.contract';

// PostgreSQL: a scratch database of the run's server; the in-process bus.
cryptoShreddingScenario('PostgreSQL', async () => {
  const [database, dir] = await Promise.all([createScratchDatabase(), mkdtemp(join(tmpdir(), 'shred-pg-'))]);
  return {
    env: { DATABASE_URL: database.url, PASSERELLE_KEYS_DIR: join(dir, 'keys') },
    cleanup: async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
