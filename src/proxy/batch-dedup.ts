/**
 * Batch ids accepted within a window, with bounded memory (the contract with the SDK: a beacon
 * gives no answer, so a batch may come again, from the next page or another tab).
 *
 * A Map keeps insertion order, and every id lives exactly `windowMs`, so the oldest entry is
 * always the first to expire: expiry and eviction both take from the front, in O(1) amortized.
 * Past `maxIds` the oldest ids are forgotten early; a batch resent after that is forwarded again,
 * and Loki merges the copy (same timestamps and lines), so forgetting costs bytes, never data.
 */
export interface BatchDedup {
  /** True if `id` was accepted within the window before `nowMs`. */
  has(id: string, nowMs: number): boolean;
  /** Records `id` as accepted at `nowMs`. Only after the target stored the batch: a failed forward stays retryable. */
  remember(id: string, nowMs: number): void;
  readonly size: number;
}

export function createBatchDedup(windowMs: number, maxIds: number): BatchDedup {
  const expiries = new Map<string, number>();

  const expire = (nowMs: number) => {
    for (const [id, expiresAt] of expiries) {
      if (expiresAt > nowMs) break;
      expiries.delete(id);
    }
  };

  return {
    has(id, nowMs) {
      expire(nowMs);
      return expiries.has(id);
    },
    remember(id, nowMs) {
      expire(nowMs);
      // Re-inserting moves it to the back, keeping the map ordered by expiry.
      expiries.delete(id);
      expiries.set(id, nowMs + windowMs);
      while (expiries.size > maxIds) {
        const oldest = expiries.keys().next().value as string;
        expiries.delete(oldest);
      }
    },
    get size() {
      return expiries.size;
    },
  };
}
