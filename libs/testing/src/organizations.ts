import { randomBytes } from 'node:crypto';
import type { SqlDatabase } from '@passerelle/database';
import { FederationLog, generateOrganizationKey, mintToken, signEvent, type Role, type SigningAlgorithm } from '@passerelle/identity';

export interface TestOrganization {
  id: string;
  issuer: string;
  kid: string;
  /** A fresh access token for this organization. */
  token(roles?: Role[], ttlSeconds?: number): Promise<string>;
  /** The detached JWS over an envelope, as this organization publishes it. */
  sign(envelope: object): Promise<string>;
}

/**
 * Admits an organization with a unique id straight into the federation's event table, as the
 * registry would, so tests sharing one database never collide on the federation's members.
 */
export async function admitTestOrganization(db: SqlDatabase, roles: Role[], alg: SigningAlgorithm = 'ES256'): Promise<TestOrganization> {
  const id = `test.${[...randomBytes(8)].map((b) => String.fromCharCode(97 + (b % 26))).join('')}`;
  const issuer = `urn:passerelle:issuer:${id}`;
  const key = await generateOrganizationKey(alg, `${id}-1`);
  const validFrom = new Date(Date.now() - 60_000).toISOString();
  (await FederationLog.open(db, 0)).close();
  await db.query('INSERT INTO federation_events (type, data, actor) VALUES ($1, $2, $3)', [
    'OrganizationAdmitted',
    { id, name: `Test organization ${id}`, issuers: [issuer], roles, keys: [{ kid: key.kid, alg, jwk: key.publicJwk, validFrom }] },
    'test/setup',
  ]);
  const signing = { privateJwk: key.privateJwk, kid: key.kid, alg };
  return {
    id,
    issuer,
    kid: key.kid,
    token: (asRoles = roles, ttlSeconds = 600) => mintToken({ iss: issuer, sub: `${id}/test`, roles: asRoles, ttlSeconds }, signing),
    sign: (envelope) => signEvent(envelope, signing),
  };
}
