import { resolve } from 'node:path';
import { KeyFileError, readKeyFile as readFromDir, type PrivateKeyFile } from '@passerelle/identity';
import { CommandError } from '../cli-output';

/** Where development keys live: --key-dir, else PASSERELLE_KEYS_DIR, else ./.passerelle/keys */
export function keyDir(option?: string): string {
  return resolve(option ?? process.env.PASSERELLE_KEYS_DIR ?? '.passerelle/keys');
}

export async function readKeyFile(dir: string, organization: string): Promise<PrivateKeyFile> {
  try {
    return await readFromDir(dir, organization);
  } catch (err) {
    if (err instanceof KeyFileError) throw new CommandError(err.message);
    throw err;
  }
}
