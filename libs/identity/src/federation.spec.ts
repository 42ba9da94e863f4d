import { InMemoryDirectory, type MemberOrganization } from './federation';

const org = (id: string, issuers: string[]): MemberOrganization => ({ id, name: id, issuers, roles: ['subscriber'], keys: [] });

describe('InMemoryDirectory', () => {
  it('finds an organization by id and by any of its issuers', () => {
    const directory = new InMemoryDirectory([org('qc.ramq', ['https://a/', 'https://b/'])]);
    expect(directory.organization('qc.ramq')?.id).toBe('qc.ramq');
    expect(directory.organizationByIssuer('https://b/')?.id).toBe('qc.ramq');
    expect(directory.organizationByIssuer('https://c/')).toBeUndefined();
  });

  it('refuses one issuer claimed by two organizations: an iss must name exactly one member', () => {
    expect(() => new InMemoryDirectory([org('qc.ramq', ['https://a/']), org('qc.saaq', ['https://a/'])])).toThrow('claimed by both');
  });

  it('replace() swaps the whole federation, and a failed replace keeps the previous one', () => {
    const directory = new InMemoryDirectory([org('qc.ramq', ['https://a/'])]);
    expect(() => directory.replace([org('x', ['https://x/']), org('x', ['https://y/'])])).toThrow('listed twice');
    expect(directory.organization('qc.ramq')).toBeDefined();
    directory.replace([org('qc.saaq', ['https://a/'])]);
    expect(directory.organization('qc.ramq')).toBeUndefined();
    expect(directory.organizationByIssuer('https://a/')?.id).toBe('qc.saaq');
  });
});
