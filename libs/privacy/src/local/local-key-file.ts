import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { unwrapKey, wrapKey } from '../field-cipher';
import type { KeyProvider } from '../key-provider.port';
import { PrivacyError } from '../privacy.errors';

const FORMAT = 'passerelle-kek/1';

/** The file's content: `{ "format": "passerelle-kek/1", "key": "<32 bytes, base64>" }`. */
interface KekFile {
  format: typeof FORMAT;
  key: string;
}

/**
 * The KEK in a local file (mode 0600), created on first start. Its id is a SHA-256 fingerprint
 * of the key, so a different file at the same path is recognised as such.
 */
export class LocalKeyFile implements KeyProvider {
  private constructor(
    private readonly kek: Buffer,
    readonly kekId: string,
    /** Where the KEK came from, for logs: the path, never the key. */
    readonly location: string,
    readonly created: boolean,
  ) {}

  /**
   * Reads the KEK from `path`; creates it only when `mayCreate` (no wrapped key exists yet):
   * a missing KEK with wrapped keys in the database is PRIVACY.KEK_MISSING, never a new key
   * that would leave every stored personal value unreadable.
   */
  static async open(path: string, options: { mayCreate: boolean }): Promise<LocalKeyFile> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new PrivacyError('PRIVACY.KEK_UNREADABLE', `the key-encryption key file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
    }
    if (text === undefined) {
      if (!options.mayCreate) {
        throw new PrivacyError('PRIVACY.KEK_MISSING', `the key-encryption key file ${path} is missing, but the database holds citizens' data keys wrapped by one (or recorded one at its first start): restore the file (or set PASSERELLE_KEK_FILE to it); a new key would make every stored personal value unreadable`);
      }
      return LocalKeyFile.create(path);
    }
    const kek = parse(text, path);
    return new LocalKeyFile(kek, fingerprint(kek), path, false);
  }

  /** A KEK held only in memory (an in-memory store, a test). */
  static ephemeral(): LocalKeyFile {
    const kek = randomBytes(32);
    return new LocalKeyFile(kek, fingerprint(kek), 'memory', true);
  }

  private static async create(path: string): Promise<LocalKeyFile> {
    const kek = randomBytes(32);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    // 'wx': fail rather than overwrite a file another process created meanwhile.
    const file = await open(path, 'wx', 0o600).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return undefined;
      throw new PrivacyError('PRIVACY.KEK_UNREADABLE', `the key-encryption key file ${path} cannot be created: ${err.message}`, { cause: err });
    });
    if (!file) return LocalKeyFile.open(path, { mayCreate: false });
    try {
      await file.writeFile(`${JSON.stringify({ format: FORMAT, key: kek.toString('base64') } satisfies KekFile)}\n`);
      await file.sync();
    } finally {
      await file.close();
    }
    return new LocalKeyFile(kek, fingerprint(kek), path, true);
  }

  wrap(dataKey: Buffer, context: string): Promise<Buffer> {
    return Promise.resolve(wrapKey(this.kek, dataKey, aadOf(context)));
  }

  async unwrap(wrapped: Buffer, context: string): Promise<Buffer> {
    return Promise.resolve(unwrapKey(this.kek, wrapped, aadOf(context)));
  }
}

const aadOf = (context: string) => `passerelle:citizen-key:v1:${context}`;

function fingerprint(kek: Buffer): string {
  return `local-${createHash('sha256').update('passerelle:kek-id:v1:').update(kek).digest('hex').slice(0, 16)}`;
}

function parse(text: string, path: string): Buffer {
  let doc: Partial<KekFile>;
  try {
    doc = JSON.parse(text) as Partial<KekFile>;
  } catch {
    throw new PrivacyError('PRIVACY.KEK_UNREADABLE', `the key-encryption key file ${path} is not JSON: it must be {"format":"${FORMAT}","key":"<32 bytes in base64>"}`);
  }
  const key = typeof doc.key === 'string' ? Buffer.from(doc.key, 'base64') : undefined;
  if (doc.format !== FORMAT || !key || key.length !== 32) {
    throw new PrivacyError('PRIVACY.KEK_UNREADABLE', `the key-encryption key file ${path} is not {"format":"${FORMAT}","key":"<32 bytes in base64>"}`);
  }
  return key;
}
