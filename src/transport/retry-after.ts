/**
 * The longest `Retry-After` honoured. A gateway that says "come back tomorrow" would otherwise
 * stop delivery for a day while the queue sheds; past this we retry anyway (at this pace).
 */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * `Retry-After` as milliseconds from `nowMs`: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Loki never sends it, but proxies and gateways in front of it do. Undefined when absent or bad.
 */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header == null) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Math.min(MAX_RETRY_AFTER_MS, Number(value) * 1000);
  // An HTTP date names its month; this keeps Date.parse from reading '-5' as a year.
  if (!/[a-z]{3}/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, date - nowMs));
}
