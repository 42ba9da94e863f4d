import { hubPrincipal, hubServiceAccess, managedByHub, organizationAccess } from './kafka-access';

describe('Kafka access derived from the federation', () => {
  it('given a publisher and subscriber, then it writes its inbound topic, reads its outbound and receipts, and reads through groups named <id>.', () => {
    expect(organizationAccess({ id: 'qc.ramq', roles: ['publisher', 'subscriber'] })).toEqual([
      { principal: 'qc.ramq', resource: 'topic', pattern: 'literal', name: 'passerelle.inbound.qc.ramq', operation: 'write' },
      { principal: 'qc.ramq', resource: 'topic', pattern: 'literal', name: 'passerelle.receipts.qc.ramq', operation: 'read' },
      { principal: 'qc.ramq', resource: 'topic', pattern: 'literal', name: 'passerelle.outbound.qc.ramq', operation: 'read' },
      { principal: 'qc.ramq', resource: 'group', pattern: 'prefixed', name: 'qc.ramq.', operation: 'read' },
    ]);
  });

  it('given an organization whose roles were withdrawn (suspended), then it has nothing on Kafka', () => {
    expect(organizationAccess({ id: 'qc.ramq', roles: [] })).toEqual([]);
    expect(organizationAccess({ id: 'qc.audit', roles: ['auditor'] })).toEqual([]);
  });

  it('runs each service as its own principal, and the all-in-one hub and the federation as hub_admin', () => {
    expect(['hub', 'federation', 'ledger', 'relay'].map(hubPrincipal)).toEqual(['hub_admin', 'hub_admin', 'hub_ledger', 'hub_relay']);
  });

  it('gives the relay only writing (and creating) outbound topics, and no group', () => {
    expect(hubServiceAccess('p').filter((r) => r.principal === 'hub_relay')).toEqual([
      { principal: 'hub_relay', resource: 'topic', pattern: 'prefixed', name: 'passerelle.outbound.', operation: 'write' },
      { principal: 'hub_relay', resource: 'topic', pattern: 'prefixed', name: 'passerelle.outbound.', operation: 'create' },
    ]);
  });

  it("keeps its members' ACLs and its services' on its own groups; leaves another hub's groups and unknown principals alone", () => {
    const manages = managedByHub('p', new Set(['qc.ramq']));

    expect(manages('qc.ramq', 'topic', 'passerelle.outbound.qc.mess')).toBe(true);
    expect(manages('hub_ledger', 'group', 'p-ledger')).toBe(true);
    expect(manages('hub_ledger', 'group', 'other-ledger')).toBe(false);
    expect(manages('someone', 'topic', 'passerelle.outbound.qc.ramq')).toBe(false);
    expect(manages('hub_admin', 'other', 'kafka-cluster')).toBe(false);
  });
});
