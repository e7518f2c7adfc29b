import { countRejectedEntries } from '../transport/loki-errors.js';
import { parseRetryAfter } from '../transport/retry-after.js';
import type { TargetResult } from './push-target.js';

/** The longest part of Loki's answer passed on to the client. */
const MAX_REASON = 4096;

/**
 * What Loki's answer to a forwarded push means for the client — the one place this is decided,
 * mirroring the SDK's `classifyStatus` (src/transport/classify-status.ts) from the other side:
 *
 * - 200/202/204 stored; another 2xx (Loki's 260 while ingestion is blocked) taken and dropped.
 * - 400: partly stored, never retried; Loki's reason is passed on, with how many it refused.
 * - 413: too large as a whole; the client splits.
 * - 429 and 5xx: retry, after Loki's `Retry-After` if it sent one (proxies in front of Loki do).
 * - 401, 403, 404 and other 4xx: Loki refuses the proxy itself — wrong credentials, tenant or URL.
 *   That is the operator's to fix, not the client's data: the client is told 502 and keeps its
 *   logs (in memory and IndexedDB) until the proxy is fixed, instead of dropping them.
 */
export function mapLokiAnswer(status: number, body: string, retryAfter: string | null, forwarded: number, defaultRetryAfterSeconds: number, nowMs: number): TargetResult {
  const reason = body.trim().slice(0, MAX_REASON);
  if (status === 200 || status === 202 || status === 204) return { kind: 'stored' };
  if (status >= 200 && status < 300) return { kind: 'dropped', status };
  if (status === 400) return { kind: 'partial', message: reason, rejected: countRejectedEntries(reason, forwarded) };
  if (status === 413) return { kind: 'too-large', message: `Loki: ${reason}` };
  const retryMs = parseRetryAfter(retryAfter, nowMs);
  const retryAfterSeconds = retryMs === undefined ? defaultRetryAfterSeconds : Math.max(1, Math.ceil(retryMs / 1000));
  if (status === 429) return { kind: 'retry', status: 429, retryAfterSeconds, message: `Loki is rate limiting: ${reason}` };
  if (status >= 500) {
    const mapped = status === 502 || status === 504 ? status : 503;
    return { kind: 'retry', status: mapped, retryAfterSeconds, message: `Loki answered ${status}: ${reason}` };
  }
  return { kind: 'retry', status: 502, retryAfterSeconds, message: `Loki refused the proxy (${status}: ${reason}); check its URL, credentials and tenant` };
}
