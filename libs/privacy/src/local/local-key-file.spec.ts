import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newDataKey } from '../field-cipher';
import type { PrivacyError } from '../privacy.errors';
import { LocalKeyFile } from './local-key-file';

const codeOf = async (p: Promise<unknown>) => p.then(() => 'no error', (err: PrivacyError) => err.code);

describe('the key-encryption key in a local file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kek-'));

  it('is created on first start (mode 0600), and the same key is read back', async () => {
    const path = join(dir, 'a', 'privacy-kek.json');
    const created = await LocalKeyFile.open(path, { mayCreate: true });
    expect(created.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const wrapped = await created.wrap(newDataKey(), 'cit-1');
    const again = await LocalKeyFile.open(path, { mayCreate: false });
    expect(again.kekId).toBe(created.kekId);
    expect((await again.unwrap(wrapped, 'cit-1')).length).toBe(32);
  });

  it('missing while wrapped keys exist: PRIVACY.KEK_MISSING, and no file is made', async () => {
    const path = join(dir, 'missing.json');
    expect(await codeOf(LocalKeyFile.open(path, { mayCreate: false }))).toBe('PRIVACY.KEK_MISSING');
    expect(() => readFileSync(path)).toThrow();
  });

  it('another KEK does not unwrap: PRIVACY.KEK_WRONG; a damaged file: PRIVACY.KEK_UNREADABLE', async () => {
    const first = await LocalKeyFile.open(join(dir, 'one.json'), { mayCreate: true });
    const second = await LocalKeyFile.open(join(dir, 'two.json'), { mayCreate: true });
    expect(second.kekId).not.toBe(first.kekId);
    expect(await codeOf(second.unwrap(await first.wrap(newDataKey(), 'cit-1'), 'cit-1'))).toBe('PRIVACY.KEK_WRONG');
    writeFileSync(join(dir, 'bad.json'), '{"format":"passerelle-kek/1","key":"c2hvcnQ="}');
    expect(await codeOf(LocalKeyFile.open(join(dir, 'bad.json'), { mayCreate: false }))).toBe('PRIVACY.KEK_UNREADABLE');
  });
});
