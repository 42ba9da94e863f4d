import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import type { SigningAlgorithm } from '../federation';

/** A development organization's private key as `passerelle org init` and the demo federation write it. */
export interface PrivateKeyFile {
  organization: string;
  kid: string;
  alg: SigningAlgorithm;
  issuer: string;
  privateJwk: JsonWebKey;
}

/** The token issuer of a development organization. */
export const devIssuer = (organization: string) => `urn:passerelle:issuer:${organization}`;

export class KeyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/** Writes `<org>.private.json` (mode 600) and `<org>.jwks.json` (the public key to register). */
export async function writeKeyFiles(dir: string, file: PrivateKeyFile, publicJwk: JsonWebKey): Promise<{ privatePath: string; jwksPath: string }> {
  await mkdir(dir, { recursive: true });
  const privatePath = join(dir, `${file.organization}.private.json`);
  const jwksPath = join(dir, `${file.organization}.jwks.json`);
  await writeFile(privatePath, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 });
  await chmod(privatePath, 0o600);
  await writeFile(jwksPath, `${JSON.stringify({ keys: [{ ...publicJwk, kid: file.kid, alg: file.alg, use: 'sig' }] }, null, 2)}\n`);
  return { privatePath, jwksPath };
}

export async function readKeyFile(dir: string, organization: string): Promise<PrivateKeyFile> {
  const path = join(dir, `${organization}.private.json`);
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PrivateKeyFile;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new KeyFileError(
      code === 'ENOENT'
        ? `no key for ${organization} in ${dir}: create one with passerelle org init ${organization}, or pass --key-dir`
        : `cannot read ${path}: ${code ?? (err as Error).message}`,
    );
  }
}
