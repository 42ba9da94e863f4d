/** A bearer token and when it stops being valid (milliseconds since the epoch). */
export interface ExpiringToken {
  value: string;
  expiresAt: number;
}

/**
 * Wraps a token source so every (re)authentication gets a token with life left in it: the
 * cached token is reused until `refreshAt` of its lifetime has passed (80 % by default),
 * then a new one is fetched; concurrent callers share one fetch. kafkajs asks for a token on
 * each connection and each re-authentication (the broker bounds a session by
 * connections.max.reauth.ms and by the token's exp), so a token is renewed well before the
 * broker would refuse it. A failed fetch is not cached: the next authentication tries again.
 */
export function refreshingToken(fetch: () => Promise<ExpiringToken>, options: { refreshAt?: number; clock?: () => number } = {}): () => Promise<ExpiringToken> {
  const refreshAt = options.refreshAt ?? 0.8;
  const clock = options.clock ?? Date.now;
  let cached: { token: ExpiringToken; renewAfter: number } | undefined;
  let pending: Promise<ExpiringToken> | undefined;
  return async () => {
    const now = clock();
    if (cached && now < cached.renewAfter) return cached.token;
    pending ??= fetch()
      .then((token) => {
        const fetchedAt = clock();
        cached = { token, renewAfter: fetchedAt + Math.max(0, token.expiresAt - fetchedAt) * refreshAt };
        return token;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
