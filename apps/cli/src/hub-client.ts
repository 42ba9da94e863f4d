import { CommandError } from './cli-output';

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

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: string | Buffer): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
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
    const text = await response.text();
    try {
      return { status: response.status, body: JSON.parse(text) as T };
    } catch {
      throw new CommandError(`the hub at ${this.base} answered ${response.status} with something other than JSON`);
    }
  }
}
