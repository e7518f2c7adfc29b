import type { LevelName } from '../logger/levels.js';
import type { LoggerEvent } from '../pipeline/events.js';

/** Options of `createLogger`. Every default lives once, in `defaults.ts`. */
export interface LoggerOptions {
  /** Push URL: the cloudlog proxy (browsers) or Loki's `/loki/api/v1/push` (Node). Required. */
  url: string | URL;
  /**
   * Static stream labels: a few low-cardinality keys. Names are sanitized to Loki's rules, empty
   * values dropped; more than 15 is refused. Per-event data belongs in fields, not labels.
   * @default { service_name: 'unknown_service' }
   */
  labels?: Record<string, string>;
  /** Minimum level; lower levels are no-ops. @default 'info' */
  level?: LevelName;
  /** Line format. @default 'json' */
  format?: 'json' | 'logfmt';
  /** Fields merged into every entry (like `child(fields)` on the root logger). @default undefined */
  fields?: Record<string, unknown>;

  /** A batch is sent when it holds this many entries. @default 5000 */
  maxBatchEntries?: number;
  /** A batch is sent when its lines reach this many bytes (Loki's burst limit is 6 MB). @default 1048576 */
  maxBatchBytes?: number;
  /** A batch is sent at the latest this long after its first entry was logged. @default 1000 */
  flushIntervalMs?: number;
  /**
   * Entries held in memory one by one (waiting or being sent), at most. Beyond it the least
   * important are dropped and counted (trace/debug/info before warn/error/fatal). Full batches
   * parked gzip'd while nothing can be sent (Node, or a browser without IndexedDB) are bounded by
   * `maxQueueBytes` alone. @default 20000
   */
  maxQueueEntries?: number;
  /**
   * Bytes held in memory, at most: lines waiting or being sent, and parked batches by their
   * compressed size (~12 B an entry): 8 MiB rides out an outage of ~700 000 entries. @default 8388608
   */
  maxQueueBytes?: number;
  /** Longer lines are truncated with a visible marker (Loki 3 rejects lines over 256 KB). @default 256000 */
  maxLineBytes?: number;
  /** Timeout of one push request. @default 10000 */
  requestTimeoutMs?: number;
  /** How long `close()` waits for delivery before dropping what is left. @default 5000 */
  closeTimeoutMs?: number;
  /** First retry waits up to this (full jitter), doubling per attempt. @default 500 */
  retryBaseMs?: number;
  /**
   * Longest wait between two attempts, and longest time the circuit breaker stays open: delivery
   * resumes within this long of the endpoint's recovery, however long the outage. @default 20000
   */
  retryMaxMs?: number;
  /** Resends of one batch before it is dropped as `retry_exhausted`. @default Infinity */
  maxRetries?: number;
  /** Push requests in flight at once. 1 keeps each stream's entries in order. @default 1 */
  maxConcurrentRequests?: number;
  /** Consecutive failed attempts that open the circuit breaker. @default 5 */
  breakerThreshold?: number;
  /** First open period of the breaker; doubles on each failed probe up to `retryMaxMs`. @default 2000 */
  breakerOpenMs?: number;
  /** Request body encoding; gzip is used where the platform has `CompressionStream`. @default 'gzip' */
  compression?: 'gzip' | 'none';
  /**
   * Node: when the program runs out of work with entries still queued, deliver them (within
   * `closeTimeoutMs`) before the process exits. Never calls `process.exit`. @default true
   */
  flushOnExit?: boolean;
  /**
   * Browsers: write each batch to IndexedDB before sending it and keep it until acknowledged, so
   * a crash, reload or closed tab loses nothing; tabs share the work (Web Locks). @default true
   */
  persist?: boolean;
  /** Browsers: bytes of batches kept in IndexedDB for the origin, at most. @default 5242880 */
  maxStoredBytes?: number;
  /** Browsers: entries kept in IndexedDB for the origin, at most. @default 50000 */
  maxStoredEntries?: number;

  /** Node only: basic-auth user (Grafana Cloud: the numeric user id). @default undefined */
  username?: string;
  /** Node only: basic-auth password or API token; needs `username`. @default undefined */
  password?: string;
  /** Node only: bearer token (`Authorization: Bearer …`). @default undefined */
  bearerToken?: string;
  /** Node only: tenant, sent as `X-Scope-OrgID`. @default undefined */
  tenant?: string;
  /** Node only: extra request headers. @default undefined */
  headers?: Record<string, string>;

  /** The `fetch` used to send; captured once at creation so the SDK never sees its own traffic through patches. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called on state changes (batch sent or failed, retry, entries dropped, breaker state). Must not throw; if it does, the error is ignored. @default undefined */
  onEvent?: (event: LoggerEvent) => void;
}
