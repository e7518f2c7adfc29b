import type { ResolvedOptions } from '../options/resolve-options.js';
import { nextTimestamp, type Timestamp } from '../loki/timestamp.js';
import { setBackgroundTimeout } from '../platform/runtime.js';
import { gunzip } from '../transport/gzip.js';
import type { Transport } from '../transport/http-transport.js';
import { countRejectedEntries } from '../transport/loki-errors.js';
import { DROP_REASONS, type DropReason, type SendResult } from '../transport/send-result.js';
import { backoffDelayMs } from './backoff.js';
import { createBreaker, type BreakerOptions, type BreakerState } from './breaker.js';
import type { Durability } from './durability.js';
import { EntryQueue } from './entry-queue.js';
import { restampBatch, sealBatch, splitBatch, type SealedBatch } from './sealed-batch.js';
import type { LoggerEvent } from './events.js';
import type { LoggerStats } from './stats.js';
import { sizeOf, WaitingBatches } from './waiting-batches.js';

/** The resolved options the pipeline reads (documented on `LoggerOptions`), and its parts. */
export interface PipelineOptions
  extends Pick<
    ResolvedOptions,
    | 'maxBatchEntries'
    | 'maxBatchBytes'
    | 'flushIntervalMs'
    | 'maxQueueEntries'
    | 'maxQueueBytes'
    | 'closeTimeoutMs'
    | 'retryBaseMs'
    | 'retryMaxMs'
    | 'maxRetries'
    | 'maxConcurrentRequests'
    | 'onEvent'
  > {
  /** The stream's labels, already encoded as JSON. */
  streamJson: string;
  transport: Transport;
  breaker: BreakerOptions;
  /** Formats the entry that reports drops once delivery resumes (level warn). */
  dropNotice: (dropped: Partial<Record<DropReason, number>>, total: number) => string;
  /** Browsers: IndexedDB write-ahead and Web Locks. Undefined in Node. */
  durability?: Durability | undefined;
  /** Browsers: sends a batch as the page goes away (keepalive/beacon); undefined when it did not fit. */
  sendOnExit?: ((batch: SealedBatch) => Promise<boolean> | undefined) | undefined;
  /** Largest batch sealed for an exit send (the keepalive budget). */
  maxExitBatchBytes?: number;
  /** The estimated offset to the server's clock, which timestamps entries (platform/clock-offset.ts). */
  clock?: { ms: number } | undefined;
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
  /**
   * Flush within `closeTimeoutMs`, then stop. What is left is dropped (`closed`) — or, with
   * durability, stored for the next page of the origin. Idempotent.
   */
  close(): Promise<void>;
  /** The page is going away: seal and store everything, and send what fits the keepalive budget. */
  pageExit(): void;
  /** Browsers: pause sending while offline; on coming back, send at once. */
  setOnline(online: boolean): void;
  /** Browsers: pick up batches stored by earlier pages or gone tabs, oldest first. */
  adoptStored(): Promise<void>;
  /** Browsers: a storage operation failed; counted, and the logger carries on from memory. */
  storageError(error: unknown): void;
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
  batch: SealedBatch;
}

type Timer = ReturnType<typeof setTimeout>;

const WARN = 40;
const ADOPT_INTERVAL_MS = 10_000;
/** Loki's `creation_grace_period`: entries up to 10 min ahead are accepted. */
const RESTAMP_MIN_MS = 10 * 60_000;

export function createPipeline(options: PipelineOptions): Pipeline {
  const queue = new EntryQueue();
  const breaker = createBreaker(options.breaker);
  const dropped = { total: 0 } as LoggerStats['dropped'];
  for (const reason of DROP_REASONS) dropped[reason] = 0;
  const counters = { enqueued: 0, sent: 0, retries: 0, batchesSent: 0, batchesFailed: 0, bytesSent: 0, recovered: 0, persisted: 0, storageErrors: 0 };
  let lastError: LoggerStats['lastError'];
  // Drops not yet reported in Loki by a notice entry.
  let unreported: Partial<Record<DropReason, number>> = {};
  let unreportedTotal = 0;
  let breakerState: BreakerState = 'closed';

  // Newest timestamp enqueued: what a flush() called now waits for.
  let lastMs = 0;
  let lastSub = 0;
  const inFlight = new Set<Delivery>();
  // Entries and bytes of the batches in flight: they count against the queue's bounds.
  const held = { entries: 0, bytes: 0 };
  // Sealed batches waiting for a request slot: parked (Node), written ahead or adopted from storage, or sealed at a page exit.
  const sealed = new WaitingBatches();
  // Batches sent by keepalive/beacon as the page went away, awaiting the answer the page may still hear.
  const exiting = new Set<SealedBatch>();
  // Ids of batches this page took over from storage (their entries were logged by another page).
  const adopted = new Set<string>();
  const restampedIds = new Set<string>();
  // Write-ahead saves in progress, by batch id: a batch is not sent before its save settles.
  const saving = new Map<string, Promise<void>>();
  let adoptTimer: Timer | undefined;
  let online = true;
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
    // Over a bound, shed the least important entries first (trace … info before warn … fatal).
    // Entries being sent count too: they are held in memory as well. Parked batches (Node) are
    // held gzip'd, ~12 B an entry: they count by their bytes against maxQueueBytes, and not
    // against maxQueueEntries, which bounds the ~150 B each entry costs while it is held loose.
    // (Browsers bound their sealed batches in boundSealed(): stored ones can leave memory instead.)
    const node = options.durability === undefined;
    let parkedBytes = node ? sealed.bytes : 0;
    for (;;) {
      const overEntries = queue.size + held.entries > options.maxQueueEntries;
      const overBytes = queue.bytes + held.bytes + parkedBytes > options.maxQueueBytes;
      if (!overEntries && !overBytes) break;
      const victim = overBytes && node ? leastImportantParked() : undefined;
      const queueLowest = queue.lowestLevel();
      if (victim !== undefined && (queueLowest === undefined || victim.maxLevel < queueLowest)) {
        // A whole parked batch is less important than anything queued: it goes.
        sealed.remove(victim);
        parkedBytes -= sizeOf(victim);
        drop('queue_overflow', victim.entries);
      } else if (queue.shedOne() !== undefined) drop('queue_overflow', 1);
      else break;
    }
  }

  /** Of the batches waiting in memory, the one with the least important top level; the oldest of those. */
  function leastImportantParked(): SealedBatch | undefined {
    let victim: SealedBatch | undefined;
    for (const batch of sealed) if (victim === undefined || batch.maxLevel < victim.maxLevel) victim = batch;
    return victim;
  }

  /**
   * Node: while every request slot is busy (an outage, a slow endpoint), full batches are sealed
   * and compressed in memory instead of waiting as entries: ~12 bytes an entry instead of ~170
   * (bench/outage.mjs). They go out first, as they are, once a slot frees up.
   */
  function park(): void {
    const blocked = () => !online || inFlight.size >= options.maxConcurrentRequests || (inFlight.size > 0 && breaker.state(Date.now()) !== 'closed');
    while ((queue.size >= options.maxBatchEntries || queue.bytes >= options.maxBatchBytes) && blocked()) {
      const batch = sealBatch(options.streamJson, queue.take(options.maxBatchEntries, options.maxBatchBytes), options.clock?.ms);
      sealed.push(batch);
      void options.transport.compress(batch).then(() => {
        if (batch.gzipped === undefined) return;
        batch.body = '';
        sealed.resized();
      });
    }
  }

  /** Once delivery works again, say in Loki how many entries were dropped and why: the gap is visible. */
  function reportDrops(): void {
    if (unreportedTotal === 0 || stopped) return;
    const line = options.dropNotice(unreported, unreportedTotal);
    unreported = {};
    unreportedTotal = 0;
    const at: Timestamp = { ms: 0, sub: 0 };
    nextTimestamp(Date.now() + (options.clock?.ms ?? 0), at);
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

  /**
   * Starts batches while one is ready and a request slot is free; otherwise arms the timer for
   * when one will be. Runs from timers and promise callbacks, where a throw would crash the app or
   * reject unhandled: nothing in it is expected to throw, and if something does it is noted.
   */
  function pump(): void {
    try {
      pumpNow();
    } catch (error) {
      noteError(error instanceof Error ? error : new Error(String(error)));
    }
  }

  function pumpNow(): void {
    if (options.durability !== undefined && !stopped) {
      // Browsers: a due batch is sealed and written ahead at once, not when a request slot frees
      // up, so a slow or down endpoint never leaves more than a batch's worth only in memory.
      // One per task: sealing 5000 entries takes tens of ms on a slow device, and two in one task
      // after a burst made a long task (> 50 ms, e2e "a 10k burst causes no long task").
      const batch = sealDue();
      if (batch !== undefined) {
        sealed.push(batch);
        writeAhead(batch);
        if (queue.size > 0) schedule(0);
      }
      boundSealed();
    }
    while (!stopped && online && inFlight.size < options.maxConcurrentRequests) {
      // While the breaker is not closed, only the batch already probing goes out.
      if (inFlight.size > 0 && breaker.state(Date.now()) !== 'closed') break;
      // Batches already sealed (parked, adopted from storage, or sealed at a page exit) are the oldest: first.
      const next = sealed.shift() ?? sealDue();
      if (next === undefined) break;
      start(next);
    }
    if (options.durability === undefined && !stopped) park();
  }

  /** Seals a batch from the queue if one is due (full, old enough, or awaited); else arms the timer. */
  function sealDue(): SealedBatch | undefined {
    if (queue.size === 0) return undefined;
    // Timestamps are on the server's clock (see clock-offset.ts): measure their age on it too.
    const ageMs = Date.now() + (options.clock?.ms ?? 0) - queue.peekTimestamp()!.ms;
    const due =
      queue.size >= options.maxBatchEntries ||
      queue.bytes >= options.maxBatchBytes ||
      ageMs >= options.flushIntervalMs ||
      waiters.length > 0 ||
      closing !== undefined;
    if (!due) {
      // Never longer than the interval, whatever the clocks did meanwhile.
      schedule(Math.min(options.flushIntervalMs, options.flushIntervalMs - ageMs));
      return undefined;
    }
    return sealBatch(options.streamJson, queue.take(options.maxBatchEntries, options.maxBatchBytes), options.clock?.ms);
  }

  function writeAhead(batch: SealedBatch): void {
    const durability = options.durability;
    if (durability === undefined || batch.stored || saving.has(batch.id)) return;
    saving.set(
      batch.id,
      durability.save(batch).then((ok) => {
        batch.stored ||= ok;
        saving.delete(batch.id);
      }),
    );
  }

  /**
   * Browsers: sealed batches waiting in memory count against the queue's bounds. Over them, the
   * least important, oldest stored batch leaves memory — it stays in storage, and adoptStored()
   * brings it back when its turn comes; one that could not be stored is dropped and counted.
   */
  function boundSealed(): void {
    let entries = queue.size + held.entries;
    let bytes = queue.bytes + held.bytes;
    for (const batch of sealed) {
      entries += batch.entries;
      bytes += sizeOf(batch);
    }
    while (entries > options.maxQueueEntries || bytes > options.maxQueueBytes) {
      let victim: SealedBatch | undefined;
      for (const batch of sealed) {
        if (saving.has(batch.id)) continue;
        if (victim === undefined || batch.maxLevel < victim.maxLevel) victim = batch;
      }
      if (victim === undefined) return;
      sealed.remove(victim);
      entries -= victim.entries;
      bytes -= sizeOf(victim);
      if (!victim.stored) drop('queue_overflow', victim.entries);
    }
  }

  function start(batch: SealedBatch): void {
    const delivery: Delivery = { batch };
    inFlight.add(delivery);
    const size = sizeOf(batch);
    held.entries += batch.entries;
    held.bytes += size;
    const run = async () => {
      const durability = options.durability;
      if (durability === undefined) return deliver(delivery, batch);
      const isAdopted = adopted.delete(batch.id);
      // Hold the batch's lock for its whole delivery: no other tab sends it meanwhile.
      await durability.withLock(batch.id, async () => {
        await saving.get(batch.id);
        // Once stored, another tab may have adopted, delivered and deleted it before our lock.
        if (batch.stored && !(await durability.has(batch.id))) return;
        if (isAdopted) counters.recovered += batch.entries;
        // Written before its first send: from here a crash, reload or closed tab loses nothing.
        if (!batch.stored) batch.stored = await durability.save(batch);
        await deliver(delivery, batch);
      });
      // Not run: another tab holds the lock (it adopted our stored copy) and delivers it.
    };
    run()
      .catch((error: unknown) => {
        // Not expected (deliver handles every outcome); never let it become an unhandled rejection.
        if (!stopped) drop('rejected', delivery.batch.entries);
        noteError(error instanceof Error ? error : new Error(String(error)));
      })
      .finally(() => {
        inFlight.delete(delivery);
        held.entries -= batch.entries;
        held.bytes -= size;
        settleWaiters();
        pump();
      });
  }

  /** The batch is settled (stored by the server, or dropped for good): forget its stored copy. */
  function forget(batch: SealedBatch): void {
    if (batch.stored) void options.durability?.remove(batch.id);
  }

  async function deliver(delivery: Delivery, batch: SealedBatch): Promise<void> {
    const n = batch.entries;
    for (let attempt = 1; ; attempt++) {
      if (!(await mayProbe())) return;
      const isProbe = breaker.state(Date.now()) === 'half-open';
      if (isProbe) probe = new Promise<void>((resolve) => (endProbe = resolve));
      // The same bytes on every attempt: same timestamps and lines, so Loki merges a resend of a batch it had stored.
      const result: SendResult = await options.transport.send(batch, abort.signal);
      if (isProbe) finishProbe();
      if (stopped) return; // close() gave up on this batch and counted (or stored) it.
      noteBreaker(breaker.record(result.kind !== 'retryable', Date.now()));
      switch (result.kind) {
        case 'success':
          counters.sent += n;
          counters.batchesSent += 1;
          counters.bytesSent += result.wireBytes;
          forget(batch);
          emit({ type: 'batch-sent', entries: n, wireBytes: result.wireBytes, status: result.status });
          reportDrops();
          return;
        case 'failure': {
          noteError(result.error, result.status);
          // 400 means partly stored: the valid entries were written (brief §3). Never resent.
          const refused = result.status === 400 ? countRejectedEntries(result.answer, n) : n;
          const restamped = result.status === 400 ? restampForClock(await withBody(batch), result.answer) : undefined;
          if (restamped !== undefined) {
            // Refused whole for a clock we have since corrected: send it again on the server's time.
            forget(batch);
            delivery.batch = restamped;
            if (options.durability !== undefined) restamped.stored = await options.durability.save(restamped);
            return deliver(delivery, restamped);
          }
          if (refused < n) {
            counters.sent += n - refused;
            counters.batchesSent += 1;
          } else counters.batchesFailed += 1;
          forget(batch);
          emit({ type: 'batch-failed', entries: refused, status: result.status, error: result.error });
          drop(result.reason, refused);
          return;
        }
        case 'too-large': {
          noteError(result.error, result.status);
          const halves = splitBatch(await withBody(batch));
          forget(batch);
          if (halves === undefined) {
            counters.batchesFailed += 1;
            emit({ type: 'batch-failed', entries: 1, status: result.status, error: result.error });
            drop('too_large', 1);
            return;
          }
          // 413: the halves may fit. They keep their timestamps and order, and are stored in its place.
          for (const half of halves) {
            delivery.batch = half;
            settleWaiters();
            if (options.durability !== undefined) half.stored = await options.durability.save(half);
            await deliver(delivery, half);
          }
          return;
        }
        case 'retryable': {
          noteError(result.error, result.status);
          if (attempt > options.maxRetries) {
            counters.batchesFailed += 1;
            forget(batch);
            emit({ type: 'batch-failed', entries: n, ...(result.status === undefined ? {} : { status: result.status }), error: result.error });
            drop('retry_exhausted', n);
            return;
          }
          // Retry-After wins and is not jittered (ky does the same); the breaker may add to the wait.
          const delayMs = result.retryAfterMs ?? backoffDelayMs(attempt, options.retryBaseMs, options.retryMaxMs);
          counters.retries += 1;
          emit({ type: 'retry', attempt, delayMs, error: result.error });
          await sleep(delayMs);
          // Offline: wait for the connection instead of burning attempts.
          while (!online && !stopped) await sleep(options.retryMaxMs);
        }
      }
    }
  }

  /**
   * A batch stamped by a wrong clock (entries logged before the first answer told us the
   * server's time) is refused as "too new"/"too old". When the offset learnt since it was sealed
   * is past Loki's grace (10 min), every entry of it was outside the window — nothing was stored,
   * whatever count Loki's message suggests — so its entries are re-stamped on the server's time
   * and sent once more (a re-stamped batch is not re-stamped again).
   */
  function restampForClock(batch: SealedBatch, answer: string): SealedBatch | undefined {
    const deltaMs = (options.clock?.ms ?? 0) - (batch.clockMs ?? 0);
    if (Math.abs(deltaMs) < RESTAMP_MIN_MS || restampedIds.has(batch.id) || !/timestamp too (new|old)/.test(answer)) return undefined;
    const restamped = restampBatch({ ...batch, clockMs: batch.clockMs ?? 0 }, deltaMs);
    restampedIds.add(restamped.id);
    return restamped;
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
    for (const batch of pendingBatches()) {
      const first = { ms: batch.firstMs, sub: batch.firstSub };
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
      const full = queue.size >= options.maxBatchEntries || queue.bytes >= options.maxBatchBytes;
      // Node: pump() runs when a batch settles, but a full batch is parked at once. Browsers seal
      // due batches even while all slots are busy.
      if (inFlight.size >= options.maxConcurrentRequests && options.durability === undefined && !full) return;
      if (full) schedule(0);
      else if (timer === undefined) schedule(options.flushIntervalMs);
    },

    drop,
    flush,

    close() {
      if (closing !== undefined) return closing;
      closing = (async () => {
        await flush(options.closeTimeoutMs);
        const durability = options.durability;
        // Browsers: what is left goes to storage for the next page of the origin instead of being dropped.
        const left = [...pendingBatches()];
        while (queue.size > 0) left.push(sealBatch(options.streamJson, queue.take(options.maxBatchEntries, options.maxBatchBytes), options.clock?.ms));
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        if (adoptTimer !== undefined) clearTimeout(adoptTimer);
        abort.abort();
        for (const s of [...sleeps]) s.wake();
        finishProbe();
        inFlight.clear();
        held.entries = 0;
        held.bytes = 0;
        sealed.takeAll();
        exiting.clear();
        for (const batch of left) {
          if (durability !== undefined && (batch.stored || (batch.stored = await durability.save(batch)))) counters.persisted += batch.entries;
          else drop('closed', batch.entries);
        }
        settleWaiters();
      })();
      return closing;
    },

    pageExit() {
      if (stopped) return;
      // Seal everything, in batches that fit the keepalive budget.
      const exitBytes = Math.min(options.maxBatchBytes, options.maxExitBatchBytes ?? options.maxBatchBytes);
      while (queue.size > 0) sealed.push(sealBatch(options.streamJson, queue.take(options.maxBatchEntries, exitBytes), options.clock?.ms));
      options.durability?.saveOnExit([...sealed].filter((batch) => !batch.stored));
      for (const batch of sealed.takeAll()) {
        const sending = options.sendOnExit?.(batch);
        if (sending === undefined) {
          // Did not fit: it stays stored (and queued, should the page live on) for the next page.
          sealed.push(batch);
          continue;
        }
        exiting.add(batch);
        void sending.then((acknowledged) => {
          if (!exiting.delete(batch) || stopped) return;
          if (acknowledged) {
            counters.sent += batch.entries;
            counters.batchesSent += 1;
            forget(batch);
            settleWaiters();
          } else {
            // Unheard or refused: the page lives on, so deliver it the usual way (the proxy drops a duplicate).
            sealed.unshift(batch);
            pump();
          }
        });
      }
    },

    setOnline(value) {
      online = value;
      if (!online) return;
      // Back online: end the waits and send now rather than at the next backoff step.
      for (const s of [...sleeps]) s.wake();
      void adoptStored();
      pump();
    },

    adoptStored,

    storageError(error) {
      counters.storageErrors += 1;
      noteError(error instanceof Error ? error : new Error(String(error)));
    },

    stats() {
      let waiting = queue.size;
      for (const batch of pendingBatches()) waiting += batch.entries;
      return {
        ...counters,
        dropped: { ...dropped },
        queued: waiting,
        breaker: breaker.state(Date.now()),
        lastError: lastError === undefined ? undefined : { ...lastError },
      };
    },
  };

  /** Sealed batches not yet settled: in flight, waiting for a slot, or sent on a page exit. */
  function* pendingBatches(): Iterable<SealedBatch> {
    for (const { batch } of inFlight) yield batch;
    yield* sealed;
    yield* exiting;
  }

  /**
   * Picks up batches that earlier pages or gone tabs stored for this endpoint, oldest first.
   * Their lock is taken when each is started, so a batch another live tab is delivering is skipped.
   */
  async function adoptStored(): Promise<void> {
    const durability = options.durability;
    if (durability === undefined || stopped) return;
    const known = new Set<string>();
    for (const batch of pendingBatches()) known.add(batch.id);
    for (const batch of await durability.list()) {
      if (known.has(batch.id) || stopped) continue;
      adopted.add(batch.id);
      sealed.push(batch);
    }
    if (adoptTimer !== undefined) clearTimeout(adoptTimer);
    // A tab that closes leaves its batches behind: look again from time to time.
    if (!stopped) adoptTimer = setBackgroundTimeout(() => void adoptStored(), ADOPT_INTERVAL_MS);
    pump();
  }
}

/** The batch with its JSON body, decompressed if it was parked compressed (rare: a 413 or a clock fix). */
async function withBody(batch: SealedBatch): Promise<SealedBatch> {
  if (batch.body !== '' || batch.gzipped === undefined) return batch;
  return { ...batch, body: await gunzip(batch.gzipped) };
}

function keepAlive(timer: Timer): void {
  (timer as { ref?: () => void }).ref?.();
}

