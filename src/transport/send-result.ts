/** Why entries were dropped. Every drop is counted under one of these (stats().dropped). */
export type DropReason =
  /** The in-memory queue was full. */
  | 'queue_overflow'
  /** The endpoint refused them for good (400 partial, 401, 403, 404, 422, other 4xx). */
  | 'rejected'
  /** A 413 for a single entry: it can never fit. */
  | 'too_large'
  /** The endpoint answered a 2xx other than 200/202/204: accepted, then dropped (Loki's 260). */
  | 'server_dropped'
  /** Retries gave up (only with a finite `maxRetries`). */
  | 'retry_exhausted'
  /** Logged after `close()`, or still waiting when `close()` reached its deadline (and not storable). */
  | 'closed'
  /** Browsers: another page's stored batch evicted to keep storage within its bounds. */
  | 'storage_full';

export const DROP_REASONS: readonly DropReason[] = ['queue_overflow', 'rejected', 'too_large', 'server_dropped', 'retry_exhausted', 'closed', 'storage_full'];

/** What one push attempt came to. Decided in one place: `classifyStatus`. */
export type SendResult =
  | { kind: 'success'; status: number; wireBytes: number }
  | { kind: 'retryable'; status?: number; retryAfterMs?: number; error: Error }
  | { kind: 'too-large'; status: number; error: Error }
  | { kind: 'failure'; status: number; reason: DropReason; error: Error; /** The server's answer, for a 400's count of refused entries. */ answer: string };
