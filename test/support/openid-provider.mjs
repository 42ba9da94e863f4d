// A real OpenID Provider (panva's oidc-provider) for the console's browser tests, run as its own
// process (oidc-provider is an ES module). It signs with the organization's own key, so the
// access tokens it issues are ones the hub's federation already trusts for that organization.
//
// Started with OP_KEY (the organization's private JWK, with kid and alg) in the environment, it
// listens on a free loopback port and prints {"issuer": "http://127.0.0.1:<port>"}. The test then
// POSTs /test/setup {clientId, redirectUri, roles} (the hub's address is known only once the hub,
// which needs this issuer, has started) and may POST /test/clock {offsetSeconds} to set this
// provider's clock behind or ahead of the others'.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const key = JSON.parse(process.env.OP_KEY ?? 'null');
if (!key?.kid || !key?.alg) {
  process.stderr.write('OP_KEY must hold a private JWK with kid and alg\n');
  process.exit(2);
}

// oidc-provider reads the time through Date.now (its epochTime helper): an offset here moves
// every instant it issues (iat, exp), as a provider whose clock is off would.
const realNow = Date.now;
let offsetMs = 0;
Date.now = () => realNow() + offsetMs;

let handler;
const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/test/')) return control(req, res);
  if (!handler) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('not set up yet: POST /test/setup');
    return;
  }
  return handler(req, res);
});

async function control(req, res) {
  let body = '';
  for await (const chunk of req) body += chunk;
  const input = JSON.parse(body || '{}');
  if (req.url === '/test/setup') handler = provider(input).callback();
  else if (req.url === '/test/clock') offsetMs = Number(input.offsetSeconds ?? 0) * 1000;
  else return void res.writeHead(404).end();
  res.writeHead(204).end();
}

function provider({ clientId, redirectUri, roles, audience = 'urn:passerelle:hub' }) {
  const op = new Provider(issuer(), {
    clients: [{ client_id: clientId, token_endpoint_auth_method: 'none', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: key.alg }],
    jwks: { keys: [key] },
    cookies: { keys: [`${key.kid}-cookies`] },
    // The login and consent pages oidc-provider ships for development: any login, any password.
    features: {
      devInteractions: { enabled: true },
      // RFC 8707: the access token is a JWT for the hub (aud), RFC 9068 (typ at+jwt), signed with the organization's key.
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== audience) throw new Error(`unknown resource ${resource}`);
          return { scope: '', audience, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: key.alg } } };
        },
      },
    },
    extraTokenClaims: () => ({ roles }),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  });
  return op;
}

const issuer = () => `http://127.0.0.1:${server.address().port}`;

server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ issuer: issuer() })}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
