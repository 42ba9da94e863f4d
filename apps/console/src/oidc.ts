import * as oauth from 'oauth4webapi';

/** The hub's GET /console/config: the OpenID Connect provider the console signs people in with. */
export interface ProviderSettings {
  issuer: string;
  clientId: string;
  /** null: the console's own address, `<origin>/console/`. */
  redirectUri: string | null;
  scope: string;
  /** The resource indicator (RFC 8707) asked for: the hub's token audience. */
  resource: string;
}

/** A sign-in the provider refused, or an answer the console refuses: shown on the sign-in page as it is. */
export class SignInError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** What a sign-in under way keeps in the tab while the browser is at the provider. */
interface Pending {
  issuer: string;
  state: string;
  verifier: string;
  redirectUri: string;
}

const PENDING = 'passerelle.oidc';
const client = (settings: ProviderSettings): oauth.Client => ({ client_id: settings.clientId });
export const redirectUriOf = (settings: ProviderSettings) => settings.redirectUri ?? `${location.origin}/console/`;

// oauth4webapi refuses plain http; the hub's configuration allows it only on a loopback address.
const insecure = (issuer: URL) => ({ [oauth.allowInsecureRequests]: issuer.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(issuer.hostname) });

async function discover(settings: ProviderSettings): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(settings.issuer);
  try {
    return await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure(issuer) }));
  } catch (err) {
    throw new SignInError('SIGNIN.PROVIDER_UNAVAILABLE', `${settings.issuer}: ${(err as Error).message}`);
  }
}

/**
 * Sends the browser to the provider: authorization code with PKCE (S256), a fresh state, the
 * hub as the resource. The verifier and state stay in this tab (sessionStorage) for the return.
 */
export async function startSignIn(settings: ProviderSettings): Promise<void> {
  const as = await discover(settings);
  if (!as.authorization_endpoint) throw new SignInError('SIGNIN.PROVIDER_UNAVAILABLE', `${settings.issuer} lists no authorization endpoint`);
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const redirectUri = redirectUriOf(settings);
  sessionStorage.setItem(PENDING, JSON.stringify({ issuer: settings.issuer, state, verifier, redirectUri } satisfies Pending));
  const url = new URL(as.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: settings.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope: settings.scope,
    resource: settings.resource,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
  }).toString();
  location.assign(url.href);
}

/** Is this page the provider sending the browser back (a code or an error in the query)? */
export function isRedirectBack(url = new URL(location.href)): boolean {
  return url.searchParams.has('state') || url.searchParams.has('code') || url.searchParams.has('error');
}

/**
 * The way back from the provider: the state must be the one this tab sent (else the answer is
 * refused before any code is used), an error the provider put in the redirect is shown as it
 * said it, and the code is exchanged with the verifier for the access token. The query is
 * taken off the address bar either way, so a reload never replays it.
 */
export async function finishSignIn(settings: ProviderSettings): Promise<string> {
  const current = new URL(location.href);
  history.replaceState(null, '', `${current.pathname}${current.hash || '#/signin'}`);
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
  if (!pending || pending.issuer !== settings.issuer) {
    throw new SignInError('SIGNIN.STATE_MISMATCH', 'this tab started no sign-in with this provider: the answer was refused; sign in again');
  }
  // Checked here, before anything else is read from the answer: a code that comes back with
  // another state is not this tab's (a forged or replayed link) and is never exchanged.
  if (current.searchParams.get('state') !== pending.state) {
    throw new SignInError('SIGNIN.STATE_MISMATCH', 'the answer does not carry the state this tab sent: it was refused and no code was exchanged; sign in again');
  }
  const as = await discover(settings);
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, client(settings), current, pending.state);
  } catch (err) {
    if (err instanceof oauth.AuthorizationResponseError) {
      throw new SignInError('SIGNIN.PROVIDER_ERROR', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
    }
    throw new SignInError('SIGNIN.INVALID_RESPONSE', (err as Error).message);
  }
  try {
    const response = await oauth.authorizationCodeGrantRequest(as, client(settings), oauth.None(), params, pending.redirectUri, pending.verifier, { additionalParameters: { resource: settings.resource }, ...insecure(new URL(settings.issuer)) });
    const tokens = await oauth.processAuthorizationCodeResponse(as, client(settings), response);
    return tokens.access_token;
  } catch (err) {
    if (err instanceof oauth.ResponseBodyError) throw new SignInError('SIGNIN.PROVIDER_ERROR', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
    throw new SignInError('SIGNIN.INVALID_RESPONSE', (err as Error).message);
  }
}
