/**
 * Shared test material for this lib's specs (never exported from index.ts): a controllable
 * clock, member organizations with fresh keys, hand-made JWS for headers jose refuses to produce.
 */
import { createPrivateKey, type JsonWebKey } from 'node:crypto';
import type { MemberOrganization, Role, SigningAlgorithm } from './federation';
import { generateOrganizationKey, type OrganizationKey } from './dev/dev-tools';
import { createSignature } from './keys/algorithms';

export const T0 = new Date('2026-03-01T12:00:00.000Z');

/** An injected clock: tests move time, never sleep. */
export class TestClock {
  private current: Date;
  constructor(start: Date = T0) {
    this.current = new Date(start);
  }
  readonly now = (): Date => new Date(this.current);
  advance(seconds: number): void {
    this.current = new Date(this.current.getTime() + seconds * 1000);
  }
}

export const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);
export const iso = (date: Date, plusSeconds = 0): string => new Date(date.getTime() + plusSeconds * 1000).toISOString();

export interface TestMember {
  org: MemberOrganization;
  key: OrganizationKey;
  issuer: string;
}

/** A member with one key valid from a day before T0. */
export async function member(id: string, alg: SigningAlgorithm = 'ES256', roles: Role[] = ['publisher', 'subscriber'], kid = `${id}-1`): Promise<TestMember> {
  const key = await generateOrganizationKey(alg, kid);
  const issuer = `https://idp.${id}.example/`;
  return {
    key,
    issuer,
    org: { id, name: `Organization ${id}`, issuers: [issuer], roles, keys: [{ kid: key.kid, alg, jwk: key.publicJwk, validFrom: iso(T0, -86_400) }] },
  };
}

const b64 = (value: unknown): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS with any header at all, signed with node:crypto (jose refuses to sign some of these headers). */
export function signRaw(header: Record<string, unknown>, claims: Record<string, unknown>, privateJwk: JsonWebKey, alg: SigningAlgorithm): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const signature = createSignature(alg, createPrivateKey({ key: privateJwk, format: 'jwk' }), Buffer.from(input));
  return `${input}.${signature.toString('base64url')}`;
}

/** Claims a valid token of `m` carries at `now`. */
export function claimsOf(m: TestMember, now: Date, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: m.issuer, sub: 'agent-42', aud: 'urn:passerelle:hub', iat: seconds(now), exp: seconds(now) + 600, roles: ['publisher'], jti: 'token-1', ...overrides };
}

/** A case event envelope as a publisher sends it (CloudEvents 1.0 + Passerelle extensions). */
export type TestEnvelope = { source: string } & Record<string, unknown>;

export function envelopeOf(orgId: string, overrides: Record<string, unknown> = {}): TestEnvelope {
  return {
    specversion: '1.0',
    id: '01J9Z6Y7X2ABCDEF',
    source: `urn:passerelle:org:${orgId}`,
    type: 'passerelle.case.CaseOpened.v1',
    subject: 'case-123',
    time: '2026-03-01T11:59:00.000Z',
    datacontenttype: 'application/json',
    dataschema: 'urn:passerelle:schema:case:CaseOpened:v1',
    data: { owner: orgId, reason: 'Déménagement', amount: 12.5, tags: ['a', 'b'] },
    caseid: 'case-123',
    channel: 'web',
    actor: 'agent-7f3a',
    correlationid: 'corr-1',
    dataclassification: 'internal',
    ...overrides,
  };
}
