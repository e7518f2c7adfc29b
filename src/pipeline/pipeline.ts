import { encodePushBody } from '../loki/push-body.js';
import { setBackgroundTimeout } from '../platform/runtime.js';
import type { Transport } from '../transport/http-transport.js';
import { DROP_REASONS, type DropReason, type SendResult } from '../transport/send-result.js';
import { backoffDelayMs } from './backoff.js';
import { EntryQueue, type Batch } from './entry-queue.js';
import type { LoggerEvent } from './events.js';
import type { LoggerStats } from './stats.js';

export interface PipelineOptions {
  /** The stream's labels, already encoded as JSON. */
  streamJson: string;
  transport: Transport;
  maxBatchEntries: number;
  maxBatchBytes: number;
  flushIntervalMs: number;
  maxQueueEntries: number;
  maxQueueBytes: number;
  closeTimeoutMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
  onEvent: ((event: LoggerEvent) => void) | undefined;
}

/**
 * Everything between `log.info()` and the wire: the bounded queue, batching by entries, bytes
 * and age, one push in flight, retries, and the bookkeeping that makes `flush()` and `stats()`
 * honest. Shared by a logger and all its children.
 */
export interface Pipeline {
  /** The hot path: queue one captured entry. Never throws, never waits. */
  enqueue(ms: number, sub: number, line: string, level: number): void;
  /** Counts entries refused before they reached the queue (e.g. logged after close). */
  drop(reason: DropReason, count: number): void;
  /** Resolves true once everything enqueued before the call is stored or dropped; false on timeout. Never rejects. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flush within `closeTimeoutMs`, then drop what is left (`closed`) and stop. Idempotent. */
  close(): Promise<void>;
  readonly closed: boolean;
  stats(): LoggerStats;
}

interface FlushWaiter {
  ms: number;
  sub: number;
  resolve: (done: boolean) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type Timer = ReturnType<typeof setTimeout>;

export function createPipeline(options: PipelineOptions): Pipeline {
  const queue = new EntryQueue();
  const dropped = { total: 0 } as LoggerStats['dropped'];
  for (const reason of DROP_REASONS) dropped[reason] = 0;
  const counters = { enqueued: 0, sent: 0, retries: 0, batchesSent: 0, batchesFailed: 0, bytesSent: 0 };
  let lastError: LoggerStats['lastError'];

  // Newest timestamp enqueued: what a flush() called now waits for.
  let lastMs = 0;
  let lastSub = 0;
  // The batch being delivered (sent, awaiting an answer, or waiting to retry): one at a time keeps order.
  let current: Batch | undefined;
  let timer: Timer | undefined;
  let timerDueMs = Infinity;
  let waiters: FlushWaiter[] = [];
  let closing: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  // Wakes a retry sleep early when close() gives up.
  let wakeSleep: (() => void) | undefined;
  let sleepTimer: Timer | undefined;

  function emit(event: LoggerEvent): void {
    if (options.onEvent === undefined) return;
    try {
      options.onEvent(event);
    } catch {
      // A throwing listener must not break delivery.
    }
  }

  function drop(reason: DropReason, count: number): void {
    if (count <= 0) return;
    dropped[reason] += count;
    dropped.total += count;
    emit({ type: 'dropped', reason, count });
  }

  function noteError(error: Error, status?: number): void {
    lastError = status === undefined ? { message: error.message, atMs: Date.now() } : { message: error.message, status, atMs: Date.now() };
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    const due = Date.now() + delayMs;
    if (timer !== undefined && timerDueMs <= due) return;
    if (timer !== undefined) clearTimeout(timer);
    timerDueMs = due;
    timer = setBackgroundTimeout(() => {
      timer = undefined;
      timerDueMs = Infinity;
      pump();
    }, delayMs);
  }

  /** Starts the next batch when one is due; otherwise arms the timer for when it will be. */
  function pump(): void {
    if (current !== undefined || stopped || queue.size === 0) return;
    const oldest = queue.peekTimestamp()!;
    const ageMs = Date.now() - oldest.ms;
    const due =
      queue.size >= options.maxBatchEntries ||
      queue.bytes >= options.maxBatchBytes ||
      ageMs >= options.flushIntervalMs ||
      waiters.length > 0 ||
      closing !== undefined;
    if (!due) {
      schedule(options.flushIntervalMs - ageMs);
      return;
    }
    const batch = queue.take(options.maxBatchEntries, options.maxBatchBytes);
    current = batch;
    deliver(batch)
      .catch((error: unknown) => {
        // Not expected (deliver handles every outcome); never let it become an unhandled rejection.
        drop('rejected', batch.lines.length);
        noteError(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        current = undefined;
        settleWaiters();
        pump();
      });
  }

  async function deliver(batch: Batch): Promise<void> {
    const n = batch.lines.length;
    const body = encodePushBody(options.streamJson, batch);
    for (let attempt = 1; ; attempt++) {
      const result: SendResult = await options.transport.send(body, abort.signal);
      if (stopped) {
        // close() gave up on this batch and already counted it.
        return;
      }
      switch (result.kind) {
        case 'success':
          counters.sent += n;
          counters.batchesSent += 1;
          counters.bytesSent += result.wireBytes;
          emit({ type: 'batch-sent', entries: n, wireBytes: result.wireBytes, status: result.status });
          return;
        case 'failure':
          counters.batchesFailed += 1;
          noteError(result.error, result.status);
          emit({ type: 'batch-failed', entries: n, status: result.status, error: result.error });
          drop(result.reason, n);
          return;
        case 'too-large': {
          noteError(result.error, result.status);
          if (n === 1) {
            counters.batchesFailed += 1;
            emit({ type: 'batch-failed', entries: n, status: result.status, error: result.error });
            drop('too_large', 1);
            return;
          }
          // 413: the halves may fit. They keep their timestamps and order.
          const half = Math.ceil(n / 2);
          await deliver(slice(batch, 0, half));
          current = slice(batch, half, n);
          settleWaiters();
          await deliver(current);
          return;
        }
        case 'retryable': {
          noteError(result.error, result.status);
          const delayMs = result.retryAfterMs ?? backoffDelayMs(attempt, options.retryBaseMs, options.retryMaxMs);
          counters.retries += 1;
          emit({ type: 'retry', attempt, delayMs, error: result.error });
          await sleep(delayMs);
          if (stopped) return;
        }
      }
    }
  }

  /**
   * Waits before a retry. The timer does not keep Node alive on its own, unless someone awaits
   * flush()/close(): then the program has asked to wait for delivery (close() is bounded).
   */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setBackgroundTimeout(() => {
        wakeSleep = undefined;
        sleepTimer = undefined;
        resolve();
      }, ms);
      if (waiters.length > 0) keepAlive(t);
      sleepTimer = t;
      wakeSleep = () => {
        clearTimeout(t);
        wakeSleep = undefined;
        sleepTimer = undefined;
        resolve();
      };
    });
  }

  /** True when nothing logged at or before (ms, sub) is still waiting. */
  function isSettled(ms: number, sub: number): boolean {
    const oldest = current !== undefined ? { ms: current.ms[0]!, sub: current.sub[0]! } : queue.peekTimestamp();
    return oldest === undefined || oldest.ms > ms || (oldest.ms === ms && oldest.sub > sub);
  }

  function settleWaiters(): void {
    if (waiters.length === 0) return;
    waiters = waiters.filter((waiter) => {
      if (!isSettled(waiter.ms, waiter.sub)) return true;
      if (waiter.timer !== undefined) clearTimeout(waiter.timer);
      waiter.resolve(true);
      return false;
    });
  }

  function flush(timeoutMs?: number): Promise<boolean> {
    if (isSettled(lastMs, lastSub)) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: FlushWaiter = { ms: lastMs, sub: lastSub, resolve, timer: undefined };
      if (sleepTimer !== undefined) keepAlive(sleepTimer);
      if (timeoutMs !== undefined && Number.isFinite(timeoutMs)) {
        // A plain (ref'd) timer: the caller awaits this, so Node must not exit before it fires.
        waiter.timer = setTimeout(() => {
          waiters = waiters.filter((w) => w !== waiter);
          resolve(false);
        }, Math.max(0, timeoutMs));
      }
      waiters.push(waiter);
      pump();
    });
  }

  return {
    enqueue(ms, sub, line, level) {
      if (closing !== undefined) {
        drop('closed', 1);
        return;
      }
      if (queue.size >= options.maxQueueEntries || queue.bytes + line.length > options.maxQueueBytes) {
        drop('queue_overflow', 1);
        return;
      }
      queue.push(ms, sub, line, level);
      counters.enqueued += 1;
      lastMs = ms;
      lastSub = sub;
      if (current !== undefined) return; // pump() runs when the current batch settles.
      if (queue.size >= options.maxBatchEntries || queue.bytes >= options.maxBatchBytes) schedule(0);
      else if (timer === undefined) schedule(options.flushIntervalMs);
    },

    drop,
    flush,

    close() {
      if (closing !== undefined) return closing;
      closing = (async () => {
        await flush(options.closeTimeoutMs);
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (current !== undefined) {
          drop('closed', current.lines.length);
          current = undefined;
        }
        drop('closed', queue.clear());
        abort.abort();
        wakeSleep?.();
        settleWaiters();
      })();
      return closing;
    },

    get closed() {
      return closing !== undefined;
    },

    stats() {
      return {
        ...counters,
        dropped: { ...dropped },
        queued: queue.size + (current?.lines.length ?? 0),
        lastError: lastError === undefined ? undefined : { ...lastError },
      };
    },
  };
}

function keepAlive(timer: Timer): void {
  (timer as { ref?: () => void }).ref?.();
}

function slice(batch: Batch, start: number, end: number): Batch {
  const lines = batch.lines.slice(start, end);
  let bytes = 0;
  for (const line of lines) bytes += line.length;
  return { ms: batch.ms.slice(start, end), sub: batch.sub.slice(start, end), lines, levels: batch.levels.slice(start, end), bytes };
}
