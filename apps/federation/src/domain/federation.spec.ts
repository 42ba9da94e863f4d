import { evolve, initialFederation, type FederationEvent, type FederationState, type KeyRecord } from '@passerelle/identity';
import { decide, type FederationCommand } from './federation';

const key = (kid: string, extra: Partial<KeyRecord> = {}): KeyRecord => ({ kid, alg: 'ES256', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }, validFrom: '2026-01-01T00:00:00.000Z', ...extra });
const admit = (id: string, issuers = [`urn:passerelle:issuer:${id}`]): FederationCommand => ({ type: 'AdmitOrganization', id, name: id.toUpperCase(), issuers, roles: ['publisher'], keys: [key(`${id}-1`)] });

/** Given events, when a command, then events (or a rejection). */
function given(...events: FederationEvent[]) {
  const state = events.reduce<FederationState>(evolve, initialFederation());
  return { when: (command: FederationCommand) => ({ state, result: decide(command, state) }) };
}
const admitted = (id: string) => (decide(admit(id), initialFederation()) as FederationEvent[])[0]!;

describe('federation decider', () => {
  it('given no members, when an organization is admitted, then OrganizationAdmitted carries its keys and roles', () => {
    const { result } = given().when(admit('qc.ramq'));
    expect(result).toEqual([{ type: 'OrganizationAdmitted', data: { id: 'qc.ramq', name: 'QC.RAMQ', issuers: ['urn:passerelle:issuer:qc.ramq'], roles: ['publisher'], keys: [key('qc.ramq-1')] } }]);
  });

  it('given a member, when it is admitted again, then ALREADY_MEMBER', () => {
    expect(given(admitted('qc.ramq')).when(admit('qc.ramq')).result).toMatchObject({ code: 'FEDERATION.ALREADY_MEMBER' });
  });

  it('given a member, when another organization claims its issuer, then ISSUER_TAKEN (one issuer, one organization)', () => {
    expect(given(admitted('qc.ramq')).when(admit('qc.saaq', ['urn:passerelle:issuer:qc.ramq'])).result).toEqual({
      code: 'FEDERATION.ISSUER_TAKEN',
      message: 'issuer urn:passerelle:issuer:qc.ramq already belongs to qc.ramq: one issuer maps to one organization',
    });
  });

  it.each([
    ['an id that is not lower-case dotted', { id: 'Qc RAMQ' }, /is not an organization id/],
    ['no issuer', { issuers: [] }, /at least one token issuer/],
    ['no key', { keys: [] }, /at least one key/],
    ['a key id holding path text', { keys: [key('../../etc/passwd')] }, /is not a short safe token/],
  ])('refuses an organization with %s', (_what, change, message) => {
    expect(given().when({ ...admit('qc.ramq'), ...change } as FederationCommand).result).toMatchObject({ code: 'FEDERATION.INVALID', message: expect.stringMatching(message) });
  });

  it('given a member with one key, when keys rotate, then the new key is added and the old one retired at the given instant, not deleted', () => {
    const { state, result } = given(admitted('qc.ramq')).when({ type: 'RotateKeys', id: 'qc.ramq', key: key('qc.ramq-2'), retireOthersAt: '2026-06-01T00:00:00.000Z' });
    expect(result).toEqual([
      { type: 'KeyAdded', data: { id: 'qc.ramq', key: key('qc.ramq-2') } },
      { type: 'KeyRetired', data: { id: 'qc.ramq', kid: 'qc.ramq-1', validUntil: '2026-06-01T00:00:00.000Z' } },
    ]);
    const after = (result as FederationEvent[]).reduce(evolve, state);
    expect(after.organizations.get('qc.ramq')!.keys).toEqual([key('qc.ramq-1', { validUntil: '2026-06-01T00:00:00.000Z' }), key('qc.ramq-2')]);
  });

  it('refuses to reuse a key id', () => {
    expect(given(admitted('qc.ramq')).when({ type: 'RotateKeys', id: 'qc.ramq', key: key('qc.ramq-1'), retireOthersAt: '2026-06-01T00:00:00.000Z' }).result).toMatchObject({
      code: 'FEDERATION.KEY_ID_TAKEN',
    });
  });

  it('given a key, when it is revoked, then KeyRevoked with the instant and the reason', () => {
    const { result } = given(admitted('qc.ramq')).when({ type: 'RevokeKey', id: 'qc.ramq', kid: 'qc.ramq-1', revokedAt: '2026-03-01T00:00:00.000Z', reason: 'laptop stolen' });
    expect(result).toEqual([{ type: 'KeyRevoked', data: { id: 'qc.ramq', kid: 'qc.ramq-1', revokedAt: '2026-03-01T00:00:00.000Z', reason: 'laptop stolen' } }]);
  });

  it('given a revoked key, when revoked later again, then nothing changes; when revoked earlier, the instant moves earlier', () => {
    const revoked: FederationEvent = { type: 'KeyRevoked', data: { id: 'qc.ramq', kid: 'qc.ramq-1', revokedAt: '2026-03-01T00:00:00.000Z', reason: 'stolen' } };
    const revoke = (at: string): FederationCommand => ({ type: 'RevokeKey', id: 'qc.ramq', kid: 'qc.ramq-1', revokedAt: at, reason: 'stolen' });
    expect(given(admitted('qc.ramq'), revoked).when(revoke('2026-04-01T00:00:00.000Z')).result).toEqual([]);
    expect(given(admitted('qc.ramq'), revoked).when(revoke('2026-02-01T00:00:00.000Z')).result).toMatchObject([{ type: 'KeyRevoked', data: { revokedAt: '2026-02-01T00:00:00.000Z' } }]);
  });

  it('names the keys that exist when asked to revoke one that does not', () => {
    expect(given(admitted('qc.ramq')).when({ type: 'RevokeKey', id: 'qc.ramq', kid: 'nope', revokedAt: '2026-03-01T00:00:00.000Z', reason: 'x' }).result).toEqual({
      code: 'FEDERATION.UNKNOWN_KEY',
      message: 'qc.ramq has no key nope; it has qc.ramq-1',
    });
  });

  it('refuses commands about non-members', () => {
    expect(given().when({ type: 'ChangeRoles', id: 'qc.ramq', roles: [] }).result).toEqual({ code: 'FEDERATION.NOT_A_MEMBER', message: 'qc.ramq is not a member of the federation' });
  });
});
