import type { JsonWebKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { ROLES, type Role } from '@passerelle/identity';
import { CommandError, type Output } from '../cli-output';
import { authenticatedClient, type HubOptions } from '../hub-client';

interface Problem {
  code?: string;
  message?: string;
}

async function call<T>(options: HubOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const { status, body: answer } = await (await authenticatedClient(options, ['operator'])).request<T & Problem>(method, path, body === undefined ? undefined : JSON.stringify(body));
  if (status >= 400) throw new CommandError(`the hub refused (${status} ${answer.code ?? ''}): ${answer.message ?? 'no reason given'}`);
  return answer;
}

async function readJwks(file: string): Promise<JsonWebKey[]> {
  let jwks: { keys?: JsonWebKey[] };
  try {
    jwks = JSON.parse(await readFile(file, 'utf8')) as { keys?: JsonWebKey[] };
  } catch (err) {
    throw new CommandError(`cannot read ${file} as a JWKS: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (!Array.isArray(jwks.keys) || jwks.keys.length === 0) throw new CommandError(`${file} has no "keys": give a JWKS such as passerelle org init writes`);
  return jwks.keys;
}

function parseRoles(raw: string): Role[] {
  const roles = raw.split(',').map((r) => r.trim()).filter(Boolean) as Role[];
  const unknown = roles.filter((r) => !ROLES.includes(r));
  if (unknown.length > 0) throw new CommandError(`--roles ${unknown.join(', ')}: not a role; use ${ROLES.join(', ')}`);
  return roles;
}

export async function orgAddCommand(id: string, options: HubOptions & { name: string; jwks: string; issuer: string[]; roles: string }, output: Output): Promise<number> {
  const keys = await readJwks(options.jwks);
  const result = await call<{ id: string; keys: Array<{ kid: string }> }>(options, 'POST', '/federation/organizations', {
    id,
    name: options.name,
    issuers: options.issuer,
    roles: parseRoles(options.roles),
    keys,
  });
  output.out(options.json ? JSON.stringify(result, null, 2) : `admitted ${result.id} with key${result.keys.length === 1 ? '' : 's'} ${result.keys.map((k) => k.kid).join(', ')}`);
  return 0;
}

export async function orgListCommand(options: HubOptions, output: Output): Promise<number> {
  const orgs = await call<Array<{ id: string; name: string; roles: string[]; keys: Array<{ kid: string; state: string }> }>>(options, 'GET', '/federation/organizations');
  if (options.json) {
    output.out(JSON.stringify(orgs, null, 2));
    return 0;
  }
  output.out('ORGANIZATION      NAME                           ROLES                          KEYS');
  for (const org of orgs) {
    output.out(`${org.id.padEnd(16)}  ${org.name.slice(0, 30).padEnd(30)} ${org.roles.join(',').padEnd(30)} ${org.keys.map((k) => `${k.kid} (${k.state})`).join(', ')}`);
  }
  return 0;
}

export async function orgRotateCommand(id: string, options: HubOptions & { jwks: string; retireAt?: string }, output: Output): Promise<number> {
  const [key] = await readJwks(options.jwks);
  const result = await call<{ added: string; retired: string[]; retireAt: string }>(options, 'POST', `/federation/organizations/${encodeURIComponent(id)}/keys`, { key, retireAt: options.retireAt });
  output.out(options.json ? JSON.stringify(result, null, 2) : `added ${result.added}; retired ${result.retired.join(', ') || 'nothing'} as of ${result.retireAt}`);
  return 0;
}

export async function orgRevokeCommand(id: string, kid: string, options: HubOptions & { reason: string; at?: string }, output: Output): Promise<number> {
  const result = await call<{ kid: string; revokedAt: string }>(options, 'POST', `/federation/organizations/${encodeURIComponent(id)}/keys/${encodeURIComponent(kid)}/revoke`, {
    reason: options.reason,
    revokedAt: options.at,
  });
  output.out(options.json ? JSON.stringify(result, null, 2) : `revoked ${result.kid} as of ${result.revokedAt}: nothing signed with it from then on is accepted`);
  return 0;
}
