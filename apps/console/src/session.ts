/** Who is signed in: the token and what the hub said it speaks for (GET /federation/me). */
export interface Session {
  token: string;
  organization: { id: string; name: string };
  roles: string[];
  expiresAt: string;
  /** How the token came: the demo sign-in, the OpenID Connect provider, or pasted. */
  via: 'demo' | 'oidc' | 'token';
}

const KEY = 'passerelle.session';

// sessionStorage: a token lives as long as the tab, never on disk across browser restarts.
export function loadSession(): Session | undefined {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return undefined;
    const session = JSON.parse(raw) as Session;
    return Date.parse(session.expiresAt) > Date.now() ? session : undefined;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

export const hasRole = (session: Session | undefined, ...roles: string[]) => session !== undefined && roles.some((r) => session.roles.includes(r));
