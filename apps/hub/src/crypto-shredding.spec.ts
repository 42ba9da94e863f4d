import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cryptoShreddingScenario } from './crypto-shredding.contract';

// Embedded: PGlite on disk (the KEK in its own file beside it), the in-process bus.
cryptoShreddingScenario('embedded PGlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shred-'));
  return { env: { PASSERELLE_DATA_DIR: join(dir, 'data'), PASSERELLE_KEYS_DIR: join(dir, 'keys') }, cleanup: () => rm(dir, { recursive: true, force: true }) };
});
