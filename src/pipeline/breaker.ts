/**
 * Circuit breaker, as a pure state machine with the clock passed in (like Sentry's
 * `isRateLimited(limits, category, now)`):
 *
 *   closed ──(failureThreshold failures in a row)──▶ open ──(openMs passed)──▶ half-open
 *     ▲                                                ▲                          │
 *     └──────────────(probe succeeded)─────────────────┼──────────────────────────┤
 *                                                      └─────(probe failed)───────┘
 *
 * While open nothing is sent; entries wait in the bounded queue. Each reopening doubles the
 * open time up to `maxOpenMs`, so a long outage is probed at least every `maxOpenMs` and
 * delivery resumes within that time of the endpoint's recovery.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
}

export interface Breaker {
  state(nowMs: number): BreakerState;
  /** How long until a request may be sent: 0 when closed or half-open. */
  waitMs(nowMs: number): number;
  /** Records an attempt's outcome; returns the state after it. */
  record(success: boolean, nowMs: number): BreakerState;
}

export function createBreaker(options: BreakerOptions): Breaker {
  let failures = 0;
  let opens = 0;
  let openUntilMs = 0;
  let isOpen = false;

  const state = (nowMs: number): BreakerState => (!isOpen ? 'closed' : nowMs >= openUntilMs ? 'half-open' : 'open');

  return {
    state,
    waitMs: (nowMs) => (state(nowMs) === 'open' ? openUntilMs - nowMs : 0),
    record(success, nowMs) {
      if (success) {
        failures = 0;
        opens = 0;
        isOpen = false;
        return 'closed';
      }
      failures += 1;
      // A failed probe (half-open) reopens at once; closed opens after the threshold.
      if (isOpen || failures >= options.failureThreshold) {
        opens += 1;
        isOpen = true;
        openUntilMs = nowMs + Math.min(options.maxOpenMs, options.openMs * 2 ** Math.min(opens - 1, 30));
      }
      return state(nowMs);
    },
  };
}
