/**
 * Delay before retry number `attempt` (1-based): exponential backoff with full jitter
 * (AWS Architecture Blog, "Exponential Backoff And Jitter"), capped. `random` is injectable for
 * tests. A server's `Retry-After` wins over this and is not jittered (ky does the same).
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}
