/**
 * Per-client token buckets: `burst` requests at once, then `perSecond`. A pure state machine with
 * the clock passed in (like Sentry's `isRateLimited(limits, category, now)`).
 *
 * Memory is bounded: at most `maxClients` buckets, in a Map ordered by last use, so the least
 * recently seen client is forgotten first. A forgotten client starts again with a full bucket,
 * which only ever errs towards letting a request through.
 */
export interface RateLimiter {
  /** Takes one token for `client`: undefined if allowed, else the ms until a token is back. */
  take(client: string, nowMs: number): number | undefined;
  readonly size: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export function createRateLimiter(perSecond: number, burst: number, maxClients: number): RateLimiter {
  const buckets = new Map<string, Bucket>();
  const perMs = perSecond / 1000;

  return {
    take(client, nowMs) {
      let bucket = buckets.get(client);
      if (bucket === undefined) {
        bucket = { tokens: burst, atMs: nowMs };
        if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
      } else {
        buckets.delete(client);
        bucket.tokens = Math.min(burst, bucket.tokens + Math.max(0, nowMs - bucket.atMs) * perMs);
        bucket.atMs = nowMs;
      }
      buckets.set(client, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return undefined;
      }
      return Math.ceil((1 - bucket.tokens) / perMs);
    },
    get size() {
      return buckets.size;
    },
  };
}
