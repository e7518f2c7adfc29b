/**
 * Entry timestamps: Loki wants integer nanoseconds as a decimal string. `Date.now() * 1e6` is
 * past 2^53, so we never multiply: the string is the millisecond count followed by six digits.
 *
 * Loki merges entries with the same stream, timestamp and line (loki-vectors case "identical
 * lines, identical ts, one push"), so every timestamp this process hands out is unique and
 * strictly increasing — shared by all loggers, hence unique in every stream. The sub-millisecond
 * part starts at a random offset per process, so two tabs or processes logging the same line in
 * the same millisecond to the same stream almost never collide (1 in 500 000).
 */

/** A captured timestamp: milliseconds since the epoch and a sub-millisecond count in [0, 1e6). */
export interface Timestamp {
  ms: number;
  sub: number;
}

const SUB_PER_MS = 1_000_000;
const salt = Math.floor(Math.random() * (SUB_PER_MS / 2));

let lastMs = 0;
let lastSub = 0;

/**
 * Next unique timestamp for `nowMs`. A clock that steps back (NTP) never makes timestamps go
 * back: we keep counting from the last one. Writes into `out` to keep the hot path allocation-free.
 */
export function nextTimestamp(nowMs: number, out: Timestamp): void {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    lastSub = salt;
  } else if (++lastSub >= SUB_PER_MS) {
    // A million entries in one millisecond: borrow the next millisecond.
    lastMs += 1;
    lastSub = 0;
  }
  out.ms = lastMs;
  out.sub = lastSub;
}

/**
 * Lets the next timestamp go back to the present: after a clock correction (a browser clock
 * found to be hours ahead) counting on from the wrong time would keep every entry in the
 * future, where Loki refuses it. Entries stamped before the correction lie in the past of the
 * corrected clock, so the ones after it cannot collide with them.
 */
export function resetTimestampClock(): void {
  lastMs = 0;
}

/** The Loki wire form: nanoseconds as a decimal string, no float math. */
export function formatNanoseconds(ms: number, sub: number): string {
  const s = String(sub);
  return String(ms) + '000000'.slice(s.length) + s;
}
