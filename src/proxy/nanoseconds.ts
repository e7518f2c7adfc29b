/**
 * Nanosecond timestamps as Loki takes them: decimal strings. They pass 2^53, so they are compared
 * as canonical digit strings (no leading zeros: the longer is the larger, then lexicographic) and
 * BigInt is used only where arithmetic is needed (clamping a skewed push), off the common path.
 */

/** Decimal digits; past 19 significant ones is past int64 (Loki parses with strconv.ParseInt(s, 10, 64)). */
const DIGITS = /^[0-9]+$/;
const INT64_MAX = '9223372036854775807';

/** The canonical form of a timestamp string, or undefined when it is not one Loki can parse. */
export function canonicalNanoseconds(value: string): string | undefined {
  if (!DIGITS.test(value)) return undefined;
  let start = 0;
  while (start < value.length - 1 && value.charCodeAt(start) === 48) start++;
  const out = start === 0 ? value : value.slice(start);
  if (out.length > 19 || (out.length === 19 && out > INT64_MAX)) return undefined;
  return out;
}

/** Compares two canonical timestamps: negative, zero or positive. */
export function compareNanoseconds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Milliseconds since the epoch as canonical nanoseconds (no float math: digits are appended). */
export function msToNanoseconds(ms: number): string {
  if (ms <= 0) return '0';
  return `${Math.floor(ms)}000000`;
}

/** `a - b` for canonical timestamps, as a BigInt. */
export function nanosecondsDifference(a: string, b: string): bigint {
  return BigInt(a) - BigInt(b);
}

/** Moves a canonical timestamp back by `shift` ns (never below 0). */
export function shiftNanoseconds(ts: string, shift: bigint): string {
  const out = BigInt(ts) - shift;
  return out <= 0n ? '0' : out.toString();
}

/** A timestamp for messages: ISO 8601 to the millisecond. */
export function formatNanosecondsIso(ts: string): string {
  const ms = ts.length > 6 ? Number(ts.slice(0, -6)) : 0;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? `${ts} ns` : date.toISOString();
}
