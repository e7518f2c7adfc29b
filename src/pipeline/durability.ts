import type { SealedBatch } from './sealed-batch.js';

/**
 * What the pipeline needs from durable storage and cross-tab coordination. Browsers provide it
 * (IndexedDB + Web Locks: platform/browser-durability.ts); Node runs without it. Every method is
 * best-effort and never rejects: storage errors are counted by the implementation.
 */
export interface Durability {
  /**
   * Runs `work` while holding this batch's lock, so no other tab sends it meanwhile. Resolves
   * false without running `work` when another tab holds it.
   */
  withLock(id: string, work: () => Promise<void>): Promise<boolean>;
  /** Writes the batch before its first send. False when it could not be stored (counted). */
  save(batch: SealedBatch): Promise<boolean>;
  /**
   * Writes batches as the page goes away: one write issued at once, with no read before it — a
   * page being unloaded runs no further tasks, so anything awaited first would never be written.
   * Bounds are enforced by the next write of a live page.
   */
  saveOnExit(batches: SealedBatch[]): void;
  /** Whether the batch is still stored (another tab may have delivered it). */
  has(id: string): Promise<boolean>;
  /** Deletes a settled batch. */
  remove(id: string): Promise<void>;
  /** Batches stored for this endpoint by any page of the origin, oldest first. */
  list(): Promise<SealedBatch[]>;
}
