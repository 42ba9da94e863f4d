import { accessLogLine } from './audit.command';

describe('passerelle audit access-log: one line per entry', () => {
  const read = { kind: 'read' as const, at: '2026-12-02T10:00:00.000Z', organization: 'org-a', subject: 'agent-7', purpose: 'service-delivery', revision: 4 };

  it('says where a case was read when it was not GET /cases/{id}', () => {
    expect(accessLogLine({ ...read, via: 'list' })).toMatch(/revision 4 {2}purpose: service-delivery {2}in a list of cases$/);
    expect(accessLogLine({ ...read, via: 'stream' })).toMatch(/purpose: service-delivery {2}on an event stream$/);
    expect(accessLogLine(read)).toMatch(/purpose: service-delivery$/);
  });

  it('prints a refusal with its status, code and target, and who when no token said', () => {
    const line = accessLogLine({ kind: 'denied', at: read.at, organization: null, subject: null, action: 'read', status: 401, code: 'TOKEN.INVALID', reason: 'the token is not signed by a registered key', target: 'GET /cases/c-1' });
    expect(line).toContain('(no valid token)');
    expect(line).toMatch(/DENIED read 401 TOKEN\.INVALID {2}GET \/cases\/c-1$/);
  });
});
