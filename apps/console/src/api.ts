import { loadSession } from './session';

/** What the hub answered when it refused: its status, code and message, shown as they are. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

type Listener = (state: { reachable: boolean; retryInSeconds?: number }) => void;
let connectivity: Listener = () => undefined;
let unauthorized: (reason: string) => void = () => undefined;

/** The shell listens: a banner while the hub is unreachable, sign-in when the token is refused. */
export function onConnectivity(listener: Listener): void {
  connectivity = listener;
}
export function onUnauthorized(listener: (reason: string) => void): void {
  unauthorized = listener;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One call to the hub's public API with the signed-in organization's token. A network failure
 * (hub down, connection refused) is retried with a growing pause, the banner saying so, until
 * the hub answers; any HTTP answer ends the retrying. 401 ends the session with the hub's reason.
 */
export async function api<T>(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: boolean } = {}): Promise<T> {
  const response = await send(path, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const b = (body ?? {}) as { code?: string; message?: string | string[] };
    const message = Array.isArray(b.message) ? b.message.join('; ') : (b.message ?? response.statusText);
    const error = new ApiError(response.status, b.code ?? `HTTP.${response.status}`, message, body);
    if (response.status === 401 && init.auth !== false) unauthorized(`${error.code}: ${error.message}`);
    throw error;
  }
  return body as T;
}

export async function send(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; auth?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...init.headers };
  const session = init.auth === false ? undefined : loadSession();
  if (session) headers.authorization = `Bearer ${session.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), signal: init.signal });
      if (attempt > 0) connectivity({ reachable: true });
      return response;
    } catch (err) {
      if (init.signal?.aborted) throw err;
      const wait = Math.min(2 ** attempt, 15);
      connectivity({ reachable: false, retryInSeconds: wait });
      await sleep(wait * 1000);
    }
  }
}
