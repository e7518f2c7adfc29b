import { resetTimestampClock } from '../loki/timestamp.js';

/**
 * Browser clocks are wrong by minutes or hours, and Loki refuses entries more than 10 minutes
 * in the future or out of the stream's window. The offset to the server's clock is estimated
 * from answers' `Date` header (whole seconds; taken at the request's midpoint) and applied when
 * entries are captured — never to a batch already sealed, so resends stay byte-identical.
 * Offsets under `MIN_OFFSET_MS` are noise at the header's one-second resolution and ignored.
 */
const MIN_OFFSET_MS = 5000;

export interface ClockOffset {
  /** Milliseconds to add to `Date.now()` to get the server's time. A plain field: the hot path reads it. */
  ms: number;
}

export function observeServerDate(offset: ClockOffset, serverDateMs: number, sentAtMs: number, receivedAtMs: number): void {
  // The Date header truncates to the second: its true instant is on average half a second later.
  const estimate = serverDateMs + 500 - (sentAtMs + receivedAtMs) / 2;
  const next = Math.abs(estimate) < MIN_OFFSET_MS ? 0 : Math.round(estimate);
  // A correction backwards must take effect now, not once the wrong clock is caught up with.
  if (next < offset.ms - MIN_OFFSET_MS) resetTimestampClock();
  offset.ms = next;
}
