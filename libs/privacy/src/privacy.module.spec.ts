import { PgliteDatabase } from '@passerelle/database';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalKeyFile } from './local/local-key-file';
import type { PrivacyError } from './privacy.errors';
import { openPersonalData } from './privacy.module';

describe('the key-encryption key at start-up', () => {
  it('is created on the first start only; later, a missing file is PRIVACY.KEK_MISSING and another key PRIVACY.KEK_WRONG, and the right one opens what was sealed', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kek-start-'));
    const db = await PgliteDatabase.open(join(dir, 'data'));
    try {
      const kek = join(dir, 'keys', 'privacy-kek.json');
      const first = await openPersonalData(db, kek);
      const sealed = await first.seal([{ eventId: 'a/1', citizen: 'cit-1', envelope: { data: { address: 'Rue X' } }, fields: ['/data/address'], kid: 'k1' }]);
      const event = { id: 'a/1', data: (sealed[0] as { envelope: Record<string, unknown> }).envelope, metadata: { personal: (sealed[0] as { personal: unknown }).personal } as Record<string, unknown> };

      const code = (p: Promise<unknown>) => p.then(() => 'started', (err: PrivacyError) => err.code);
      expect(await code(openPersonalData(db, join(dir, 'elsewhere', 'privacy-kek.json')))).toBe('PRIVACY.KEK_MISSING');
      const other = join(dir, 'other.json');
      await LocalKeyFile.open(other, { mayCreate: true });
      expect(await code(openPersonalData(db, other))).toBe('PRIVACY.KEK_WRONG');

      await copyFile(kek, join(dir, 'copy.json'));
      const again = await openPersonalData(db, join(dir, 'copy.json'));
      expect((await again.open([event]))[0]!.data).toEqual({ data: { address: 'Rue X' } });
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
