/** A bearer token and when it stops being valid (milliseconds since the epoch). */
export interface ExpiringToken {
  value: string;
  expiresAt: number;
}

/**
 * Wraps a token source so every (re)authentication gets a token with life left in it: the
 * cached token is reused until `refreshAt` of its lifetime has passed (80 % by default) or
 * less than `minRemainingMs` is left (15 s: more than kafkajs' 10 s re-authentication
 * threshold, so a re-authentication never gets the token it is replacing), then a new one
 * is fetched; concurrent callers share one fetch. kafkajs asks for a token on each
 * connection and each re-authentication (the broker bounds a session by
 * connections.max.reauth.ms and by the token's exp), so a token is renewed before the
 * broker would refuse it. A failed fetch is not cached: the next authentication tries again.
 */
export function refreshingToken(
  fetch: () => Promise<ExpiringToken>,
  options: { refreshAt?: number; minRemainingMs?: number; clock?: () => number } = {},
): () => Promise<ExpiringToken> {
  const refreshAt = options.refreshAt ?? 0.8;
  const minRemainingMs = options.minRemainingMs ?? 15_000;
  const clock = options.clock ?? Date.now;
  let cached: { token: ExpiringToken; renewAfter: number } | undefined;
  let pending: Promise<ExpiringToken> | undefined;
  return async () => {
    const now = clock();
    if (cached && now < cached.renewAfter) return cached.token;
    pending ??= fetch()
      .then((token) => {
        const fetchedAt = clock();
        const life = Math.max(0, token.expiresAt - fetchedAt);
        cached = { token, renewAfter: Math.min(fetchedAt + life * refreshAt, token.expiresAt - minRemainingMs) };
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/** What a user can check without the broker's log: who the token claims to be, by whom, until when. */
export function describeToken(value: string): string {
  try {
    const [header, payload] = value.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part!, 'base64url').toString('utf8')) as Record<string, unknown>);
    const exp = typeof payload!.exp === 'number' ? new Date(payload!.exp * 1000).toISOString() : 'none';
    return `sub ${String(payload!.sub)}, iss ${String(payload!.iss)}, aud ${JSON.stringify(payload!.aud)}, kid ${String(header!.kid)}, alg ${String(header!.alg)}, exp ${exp}`;
  } catch {
    return 'not a JWT';
  }
}
