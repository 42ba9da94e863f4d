import { mintToken, type Role } from '@passerelle/identity';
import { CommandError } from './cli-output';
import { keyDir, readKeyFile } from './org/key-files';

/** How a command reaches the hub and who it is there. */
export interface HubOptions {
  hub: string;
  token?: string;
  /** Mint the token from this organization's local dev key instead of --token. */
  as?: string;
  keyDir?: string;
  json?: boolean;
}

/**
 * A client carrying a token with `roles`: --token, PASSERELLE_TOKEN, or one minted with the
 * local development key of the organization named by --as.
 */
export async function authenticatedClient(options: HubOptions, roles: Role[]): Promise<HubClient> {
  let token = options.token ?? process.env.PASSERELLE_TOKEN;
  if (!token && options.as) {
    const key = await readKeyFile(keyDir(options.keyDir), options.as);
    token = await mintToken({ iss: key.issuer, sub: `${options.as}/cli`, roles, ttlSeconds: 300 }, { privateJwk: key.privateJwk, kid: key.kid, alg: key.alg });
  }
  if (!token) throw new CommandError(`a token with the role ${roles.join(' or ')} is needed: --token, PASSERELLE_TOKEN, or --as <organization> with its key in --key-dir`);
  return new HubClient(options.hub, token);
}

/** A running hub (or one of its targets), over HTTP, with an optional bearer token. */
export class HubClient {
  private readonly base: string;

  constructor(
    url: string,
    private readonly token?: string,
  ) {
    try {
      this.base = new URL(url).toString().replace(/\/$/, '');
    } catch {
      throw new CommandError(`${url} is not a URL: give the hub's address, e.g. http://127.0.0.1:3000`);
    }
  }

  /** A request whose answer is read as text (CSV, YAML). */
  async text(method: 'GET', path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
    const response = await this.send(method, path, undefined, headers);
    return { status: response.status, text: await response.text() };
  }

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await this.send(method, path, body, headers);
    const text = await response.text();
    try {
      return { status: response.status, body: (text === '' ? undefined : JSON.parse(text)) as T, headers: response.headers };
    } catch {
      throw new CommandError(`the hub at ${this.base} answered ${response.status} with something other than JSON`);
    }
  }

  private async send(method: 'GET' | 'POST' | 'PUT', path: string, body: string | Buffer | undefined, headers: Record<string, string>): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...headers,
        },
        body,
        signal: AbortSignal.timeout(15_000),
      });
    } catch (err) {
      // fetch fails with "fetch failed"; the socket's reason (ECONNREFUSED, a bad port, …) is the cause.
      const { cause } = err as { cause?: { code?: string; message?: string } };
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw new CommandError(`the hub at ${this.base} did not answer (${reason}): is the hub running?`);
    }
    return response;
  }
}
