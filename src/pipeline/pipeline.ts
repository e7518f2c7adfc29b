import { encodePushBody } from '../loki/push-body.js';
import { nextTimestamp, type Timestamp } from '../loki/timestamp.js';
import { setBackgroundTimeout } from '../platform/runtime.js';
import type { Transport } from '../transport/http-transport.js';
import { countRejectedEntries } from '../transport/loki-errors.js';
import { DROP_REASONS, type DropReason, type SendResult } from '../transport/send-result.js';
import { backoffDelayMs } from './backoff.js';
import { createBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
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
  /** Resends of one batch before it is dropped as `retry_exhausted`. */
  maxRetries: number;
  /** Push requests in flight at once; 1 keeps each stream's entries in order. */
  maxConcurrentRequests: number;
  breaker: BreakerOptions;
  /** Formats the entry that reports drops once delivery resumes (level warn). */
  dropNotice: (dropped: Partial<Record<DropReason, number>>, total: number) => string;
  onEvent: ((event: LoggerEvent) => void) | undefined;
}

/**
 * Everything between `log.info()` and the wire: the bounded queue, batching by entries, bytes
 * and age, requests in flight, retries, the circuit breaker, and the bookkeeping that makes
 * `flush()` and `stats()` honest. Shared by a logger and all its children.
 */
export interface Pipeline {
  /** The hot path: queue one captured entry. Never throws, never waits. */
  enqueue(ms: number, sub: number, line: string, level: number): void;
  /** Counts entries refused before they reached the queue. */
  drop(reason: DropReason, count: number): void;
  /** Resolves true once everything enqueued before the call is stored or dropped; false on timeout. Never rejects. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flush within `closeTimeoutMs`, then drop what is left (`closed`) and stop. Idempotent. */
  close(): Promise<void>;
  stats(): LoggerStats;
}

interface FlushWaiter {
  ms: number;
  sub: number;
  resolve: (done: boolean) => void;
  timer: Timer | undefined;
}

/** A batch on its way: sent, awaiting an answer, or waiting to be resent. `batch` shrinks as 413 halves settle. */
interface Delivery {
  batch: Batch;
}

type Timer = ReturnType<typeof setTimeout>;

const WARN = 40;

export function createPipeline(options: PipelineOptions): Pipeline {
  const queue = new EntryQueue();
  const breaker = createBreaker(options.breaker);
  const dropped = { total: 0 } as LoggerStats['dropped'];
  for (const reason of DROP_REASONS) dropped[reason] = 0;
  const counters = { enqueued: 0, sent: 0, retries: 0, batchesSent: 0, batchesFailed: 0, bytesSent: 0 };
  let lastError: LoggerStats['lastError'];
  // Drops not yet reported in Loki by a notice entry.
  let unreported: Partial<Record<DropReason, number>> = {};
  let unreportedTotal = 0;
  let breakerState: BreakerState = 'closed';

  // Newest timestamp enqueued: what a flush() called now waits for.
  let lastMs = 0;
  let lastSub = 0;
  const inFlight = new Set<Delivery>();
  let timer: Timer | undefined;
  let timerDueMs = Infinity;
  let waiters: FlushWaiter[] = [];
  let closing: Promise<void> | undefined;
  let stopped = false;
  const abort = new AbortController();
  // Retry and breaker waits in progress, so close() can end them and flush() can keep Node alive for them.
  const sleeps = new Set<{ timer: Timer; wake: () => void }>();
  // The half-open probe in flight, if any: other deliveries wait for its outcome.
  let probe: Promise<void> | undefined;
  let endProbe: (() => void) | undefined;

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
    if (reason !== 'closed') {
      unreported[reason] = (unreported[reason] ?? 0) + count;
      unreportedTotal += count;
    }
    emit({ type: 'dropped', reason, count });
  }

  function noteError(error: Error, status?: number): void {
    lastError = status === undefined ? { message: error.message, atMs: Date.now() } : { message: error.message, status, atMs: Date.now() };
  }

  function noteBreaker(state: BreakerState): void {
    if (state === breakerState) return;
    breakerState = state;
    emit({ type: 'breaker', state });
  }

  function push(ms: number, sub: number, line: string, level: number): void {
    queue.push(ms, sub, line, level);
    counters.enqueued += 1;
    lastMs = ms;
    lastSub = sub;
    // Over a bound: shed the least important entries first (trace … info before warn … fatal).
    while (queue.size > options.maxQueueEntries || queue.bytes > options.maxQueueBytes) {
      if (queue.shedOne() === undefined) break;
      drop('queue_overflow', 1);
    }
  }

  /** Once delivery works again, say in Loki how many entries were dropped and why: the gap is visible. */
  function reportDrops(): void {
    if (unreportedTotal === 0 || stopped) return;
    const line = options.dropNotice(unreported, unreportedTotal);
    unreported = {};
    unreportedTotal = 0;
    const at: Timestamp = { ms: 0, sub: 0 };
    nextTimestamp(Date.now(), at);
    // Past the bound by this one entry rather than shedding a real one to make room for it.
    queue.push(at.ms, at.sub, line, WARN);
    counters.enqueued += 1;
    lastMs = at.ms;
    lastSub = at.sub;
    // It reports drops of entries the waiting flush() calls were waiting for: they wait for it too.
    for (const waiter of waiters) {
      waiter.ms = at.ms;
      waiter.sub = at.sub;
    }
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

  /** Starts batches while they are due and a request slot is free; otherwise arms the timer for when one will be. */
  function pump(): void {
    while (!stopped && queue.size > 0 && inFlight.size < options.maxConcurrentRequests) {
      // While the breaker is not closed, only the batch already probing goes out.
      if (inFlight.size > 0 && breaker.state(Date.now()) !== 'closed') return;
      const ageMs = Date.now() - queue.peekTimestamp()!.ms;
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
      start(queue.take(options.maxBatchEntries, options.maxBatchBytes));
    }
  }

  function start(batch: Batch): void {
    const delivery: Delivery = { batch };
    inFlight.add(delivery);
    deliver(delivery, batch)
      .catch((error: unknown) => {
        // Not expected (deliver handles every outcome); never let it become an unhandled rejection.
        if (!stopped) drop('rejected', delivery.batch.lines.length);
        noteError(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        inFlight.delete(delivery);
        settleWaiters();
        pump();
      });
  }

  async function deliver(delivery: Delivery, batch: Batch): Promise<void> {
    const n = batch.lines.length;
    const body = encodePushBody(options.streamJson, batch);
    for (let attempt = 1; ; attempt++) {
      if (!(await mayProbe())) return;
      const isProbe = breaker.state(Date.now()) === 'half-open';
      if (isProbe) probe = new Promise<void>((resolve) => (endProbe = resolve));
      // The same body on every attempt: same timestamps and lines, so Loki merges a resend of a batch it had stored.
      const result: SendResult = await options.transport.send(body, abort.signal);
      if (isProbe) finishProbe();
      if (stopped) return; // close() gave up on this batch and counted it.
      noteBreaker(breaker.record(result.kind !== 'retryable', Date.now()));
      switch (result.kind) {
        case 'success':
          counters.sent += n;
          counters.batchesSent += 1;
          counters.bytesSent += result.wireBytes;
          emit({ type: 'batch-sent', entries: n, wireBytes: result.wireBytes, status: result.status });
          reportDrops();
          return;
        case 'failure': {
          noteError(result.error, result.status);
          // 400 means partly stored: the valid entries were written (brief §3). Never resent.
          const refused = result.status === 400 ? countRejectedEntries(result.answer, n) : n;
          if (refused < n) {
            counters.sent += n - refused;
            counters.batchesSent += 1;
          } else counters.batchesFailed += 1;
          emit({ type: 'batch-failed', entries: refused, status: result.status, error: result.error });
          drop(result.reason, refused);
          return;
        }
        case 'too-large': {
          noteError(result.error, result.status);
          if (n === 1) {
            counters.batchesFailed += 1;
            emit({ type: 'batch-failed', entries: 1, status: result.status, error: result.error });
            drop('too_large', 1);
            return;
          }
          // 413: the halves may fit. They keep their timestamps and order.
          const half = Math.ceil(n / 2);
          await deliver(delivery, slice(batch, 0, half));
          delivery.batch = slice(batch, half, n);
          settleWaiters();
          await deliver(delivery, delivery.batch);
          return;
        }
        case 'retryable': {
          noteError(result.error, result.status);
          if (attempt > options.maxRetries) {
            counters.batchesFailed += 1;
            emit({ type: 'batch-failed', entries: n, ...(result.status === undefined ? {} : { status: result.status }), error: result.error });
            drop('retry_exhausted', n);
            return;
          }
          // Retry-After wins and is not jittered (ky does the same); the breaker may add to the wait.
          const delayMs = result.retryAfterMs ?? backoffDelayMs(attempt, options.retryBaseMs, options.retryMaxMs);
          counters.retries += 1;
          emit({ type: 'retry', attempt, delayMs, error: result.error });
          await sleep(delayMs);
        }
      }
    }
  }

  /**
   * Waits until the breaker lets this delivery send: not while open, and in half-open only one
   * delivery probes while the others wait for its outcome. False once the pipeline has stopped.
   */
  async function mayProbe(): Promise<boolean> {
    for (;;) {
      if (stopped) return false;
      const now = Date.now();
      const state = breaker.state(now);
      noteBreaker(state);
      if (state === 'open') await sleep(breaker.waitMs(now));
      else if (state === 'half-open' && probe !== undefined) await probe;
      else return true;
    }
  }

  function finishProbe(): void {
    probe = undefined;
    endProbe?.();
    endProbe = undefined;
  }

  /**
   * Waits before a retry. The timer does not keep Node alive on its own, unless someone awaits
   * flush()/close(): then the program has asked to wait for delivery (close() is bounded).
   */
  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const entry = {
        timer: setBackgroundTimeout(() => wake(), ms),
        wake: () => wake(),
      };
      const wake = () => {
        clearTimeout(entry.timer);
        sleeps.delete(entry);
        resolve();
      };
      if (waiters.length > 0) keepAlive(entry.timer);
      sleeps.add(entry);
    });
  }

  /** True when nothing logged at or before (ms, sub) is still waiting. */
  function isSettled(ms: number, sub: number): boolean {
    let oldest = queue.peekTimestamp();
    for (const { batch } of inFlight) {
      const first = { ms: batch.ms[0]!, sub: batch.sub[0]! };
      if (oldest === undefined || first.ms < oldest.ms || (first.ms === oldest.ms && first.sub < oldest.sub)) oldest = first;
    }
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
      for (const s of sleeps) keepAlive(s.timer);
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
      push(ms, sub, line, level);
      if (inFlight.size >= options.maxConcurrentRequests) return; // pump() runs when a batch settles.
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
        for (const { batch } of inFlight) drop('closed', batch.lines.length);
        inFlight.clear();
        drop('closed', queue.clear());
        abort.abort();
        for (const s of [...sleeps]) s.wake();
        finishProbe();
        settleWaiters();
      })();
      return closing;
    },

    stats() {
      let inFlightEntries = 0;
      for (const { batch } of inFlight) inFlightEntries += batch.lines.length;
      return {
        ...counters,
        dropped: { ...dropped },
        queued: queue.size + inFlightEntries,
        breaker: breaker.state(Date.now()),
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
