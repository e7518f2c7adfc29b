/**
 * Request body bytes held by all requests in progress, together (`maxBufferedBytes`): the bound on
 * what slow or hostile clients can make the proxy hold. A request that would pass it is answered
 * 503 with `Retry-After`, and the client sends it again later.
 */
export interface ByteBudget {
  /** Takes `bytes`; false (and nothing taken) if that would pass the limit. */
  take(bytes: number): boolean;
  give(bytes: number): void;
  readonly used: number;
}

export function createByteBudget(limit: number): ByteBudget {
  let used = 0;
  return {
    take(bytes) {
      if (used + bytes > limit) return false;
      used += bytes;
      return true;
    },
    give(bytes) {
      used -= bytes;
    },
    get used() {
      return used;
    },
  };
}
