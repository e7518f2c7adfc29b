import type { DropReason } from '../transport/send-result.js';
import type { BreakerState } from './breaker.js';

/** A plain snapshot of the logger's counters: `log.stats()`. */
export interface LoggerStats {
  /** Entries accepted by `log.*()` into the queue. */
  enqueued: number;
  /** Entries the endpoint acknowledged as stored. */
  sent: number;
  /** Entries dropped, in total and by reason. Nothing is dropped without being counted here. */
  dropped: { total: number } & Record<DropReason, number>;
  /** Resends after a retryable failure. */
  retries: number;
  /** Push requests acknowledged. */
  batchesSent: number;
  /** Batches given up (their entries are in `dropped`). */
  batchesFailed: number;
  /** Bytes on the wire (after compression) of acknowledged pushes. */
  bytesSent: number;
  /** Entries stored by earlier pages or gone tabs that this page delivered (browsers). */
  recovered: number;
  /** Entries left in durable storage at close(), for the next page of the origin to send (browsers). */
  persisted: number;
  /** Browsers: storage operations that failed (private mode, quota, blocked); the logger works from memory. */
  storageErrors: number;
  /** Entries waiting now, in the queue or in flight. */
  queued: number;
  /** The circuit breaker: `closed` (sending), `open` (waiting after repeated failures), `half-open` (probing). */
  breaker: BreakerState;
  /** The most recent delivery error, or undefined. */
  lastError: { message: string; status?: number; atMs: number } | undefined;
}
