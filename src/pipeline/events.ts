import type { DropReason } from '../transport/send-result.js';
import type { BreakerState } from './breaker.js';

/** What `onEvent` reports. The SDK never logs its own traffic; this is how you watch it. */
export type LoggerEvent =
  | { type: 'batch-sent'; entries: number; wireBytes: number; status: number }
  | { type: 'batch-failed'; entries: number; status?: number; error: Error }
  | { type: 'retry'; attempt: number; delayMs: number; error: Error }
  | { type: 'dropped'; reason: DropReason; count: number }
  | { type: 'breaker'; state: BreakerState };
