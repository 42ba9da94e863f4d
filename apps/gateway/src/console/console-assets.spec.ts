import { contentSecurityPolicy } from './console-assets';

describe('the console’s Content-Security-Policy', () => {
  it('lets the page connect to its own hub only', () => {
    expect(contentSecurityPolicy({})).toContain("connect-src 'self';");
  });

  it('adds the configured OpenID Connect provider’s origin, and no other, for its discovery and token endpoint', () => {
    const policy = contentSecurityPolicy({ PASSERELLE_CONSOLE_OIDC_ISSUER: 'https://idp.ramq.gouv.qc.ca/realms/agents', PASSERELLE_CONSOLE_OIDC_CLIENT_ID: 'passerelle-console' });
    expect(policy).toContain("connect-src 'self' https://idp.ramq.gouv.qc.ca;");
    expect(policy).toContain("script-src 'self';");
    expect(policy).toContain("form-action 'none'");
  });
});
