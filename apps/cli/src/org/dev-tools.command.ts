import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { devIssuer, generateOrganizationKey, mintToken, ROLES, signEvent, writeKeyFiles, type Role, type SigningAlgorithm } from '@passerelle/identity';
import { CommandError, type Output } from '../cli-output';
import { keyDir, readKeyFile } from './key-files';

const ALGORITHMS: readonly SigningAlgorithm[] = ['ES256', 'EdDSA', 'PS256', 'RS256'];

/** `passerelle org init <id>`: a key pair for a development organization, and its public JWKS. */
export async function orgInitCommand(id: string, options: { alg?: string; keyDir?: string }, output: Output): Promise<number> {
  const alg = (options.alg ?? 'ES256') as SigningAlgorithm;
  if (!ALGORITHMS.includes(alg)) throw new CommandError(`--alg ${options.alg} is not allowed: use one of ${ALGORITHMS.join(', ')}`);
  // Dated and unique: a rotation on the same day must not reuse the key id.
  const key = await generateOrganizationKey(alg, `${id}-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`);
  const dir = keyDir(options.keyDir);
  const { privatePath, jwksPath } = await writeKeyFiles(dir, { organization: id, kid: key.kid, alg, issuer: devIssuer(id), privateJwk: key.privateJwk }, key.publicJwk);
  output.out(`private key  ${privatePath}  (keep it secret; mode 600)`);
  output.out(`public JWKS  ${jwksPath}  (give this to the hub operator)`);
  output.out(`issuer       ${devIssuer(id)}`);
  output.out(`register it: passerelle org add ${id} --name "…" --jwks ${jwksPath} --issuer ${devIssuer(id)} --roles publisher,subscriber --registry <hub url>`);
  return 0;
}

/** `passerelle token --org <id> --role <role>`: a short-lived access token signed with the org's dev key. */
export async function tokenCommand(options: { org: string; role: string[]; ttl?: string; aud?: string; keyDir?: string }, output: Output): Promise<number> {
  const roles = options.role as Role[];
  const unknown = roles.filter((r) => !ROLES.includes(r));
  if (unknown.length > 0) throw new CommandError(`--role ${unknown.join(', ')} is not a role: use ${ROLES.join(', ')}`);
  const ttl = Number(options.ttl ?? 3600);
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 86_400) throw new CommandError(`--ttl ${options.ttl} is not a number of seconds from 1 to 86400`);
  const file = await readKeyFile(keyDir(options.keyDir), options.org);
  const token = await mintToken({ iss: file.issuer, sub: `${options.org}/cli`, roles, aud: options.aud, ttlSeconds: ttl }, { privateJwk: file.privateJwk, kid: file.kid, alg: file.alg });
  output.out(token);
  return 0;
}

/** `passerelle sign <event.json> --org <id>`: the detached JWS to send as Passerelle-Signature. */
export async function signCommand(file: string, options: { org: string; keyDir?: string }, output: Output): Promise<number> {
  let envelope: unknown;
  try {
    envelope = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new CommandError(`cannot read ${file} as JSON: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (typeof envelope !== 'object' || envelope === null || Array.isArray(envelope)) throw new CommandError(`${file} is not an event envelope (a JSON object)`);
  const key = await readKeyFile(keyDir(options.keyDir), options.org);
  output.out(await signEvent(envelope, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg }));
  return 0;
}
