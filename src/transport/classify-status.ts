import type { DropReason } from './send-result.js';

export type StatusClass =
  | { kind: 'success' }
  | { kind: 'retryable' }
  | { kind: 'too-large' }
  | { kind: 'failure'; reason: DropReason };

/**
 * What an HTTP status from Loki (or the proxy) means for the batch — the one place this is
 * decided (brief §3; like OTel's `isExportHTTPErrorRetryable`).
 *
 * - 200/202/204: stored.
 * - other 2xx: accepted but dropped — Loki answers 260 when an operator blocks ingestion.
 * - 400: partly stored; the valid entries were written, so a resend would only repeat the bad ones.
 * - 408, 429, 5xx: the server may take it later.
 * - 413: too large as a whole; split it.
 * - any other 4xx: will never be accepted as sent.
 */
export function classifyStatus(status: number): StatusClass {
  if (status === 200 || status === 202 || status === 204) return { kind: 'success' };
  if (status >= 200 && status < 300) return { kind: 'failure', reason: 'server_dropped' };
  if (status === 408 || status === 429 || status >= 500) return { kind: 'retryable' };
  if (status === 413) return { kind: 'too-large' };
  return { kind: 'failure', reason: 'rejected' };
}
