import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloudlogError, HttpError } from '../../src/errors.js';
import type { LoggerEvent } from '../../src/pipeline/events.js';
import { createPipeline, type PipelineOptions } from '../../src/pipeline/pipeline.js';
import type { Transport } from '../../src/transport/http-transport.js';
import type { Durability } from '../../src/pipeline/durability.js';
import type { SealedBatch } from '../../src/pipeline/sealed-batch.js';
import type { SendResult } from '../../src/transport/send-result.js';

type Push = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

/** A transport answering from a script; records each body it was given. */
function scriptedTransport(answer: (push: Push, call: number) => SendResult | Promise<SendResult>) {
  const bodies: Push[] = [];
  const transport: Transport = {
    async compress() {},
    async send(batch) {
      const push = JSON.parse(batch.body) as Push;
      bodies.push(push);
      return answer(push, bodies.length);
    },
  };
  const lines = () => bodies.flatMap((b) => b.streams.flatMap((s) => s.values.map((v) => v[1])));
  return { transport, bodies, lines };
}

const ok = (): SendResult => ({ kind: 'success', status: 204, wireBytes: 100 });
const retryable = (retryAfterMs?: number): SendResult =>
  retryAfterMs === undefined
    ? { kind: 'retryable', status: 503, error: new HttpError(503, 'unavailable') }
    : { kind: 'retryable', status: 429, retryAfterMs, error: new HttpError(429, 'slow down') };

function pipelineWith(transport: Transport, overrides: Partial<PipelineOptions> = {}) {
  return createPipeline({
    streamJson: '{"service_name":"test"}',
    transport,
    maxBatchEntries: 100,
    maxBatchBytes: 1 << 20,
    flushIntervalMs: 1000,
    maxQueueEntries: 1000,
    maxQueueBytes: 1 << 20,
    closeTimeoutMs: 5000,
    retryBaseMs: 500,
    retryMaxMs: 20_000,
    maxRetries: Infinity,
    maxConcurrentRequests: 1,
    breaker: { failureThreshold: 5, openMs: 2000, maxOpenMs: 20_000 },
    dropNotice: (dropped, total) => `DROPPED ${total} ${JSON.stringify(dropped)}`,
    onEvent: undefined,
    ...overrides,
  });
}

let clockMs = 1_900_000_000_000;
let sub = 0;
/** Enqueue lines with increasing timestamps at the fake clock's time. */
function log(p: ReturnType<typeof createPipeline>, ...lines: string[]) {
  for (const line of lines) p.enqueue(Date.now(), sub++, line, 30);
}

beforeEach(() => {
  vi.useFakeTimers({ now: clockMs });
  clockMs += 10_000;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('batching', () => {
  it('sends a batch once its first entry is flushIntervalMs old, entries in order', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport);
    log(p, 'a', 'b', 'c');
    await vi.advanceTimersByTimeAsync(999);
    expect(t.bodies).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.lines()).toEqual(['a', 'b', 'c']);
    expect(t.bodies[0]!.streams[0]!.stream).toEqual({ service_name: 'test' });
    const ts = t.bodies[0]!.streams[0]!.values.map((v) => BigInt(v[0]));
    expect(ts[0]! < ts[1]! && ts[1]! < ts[2]!).toBe(true);
    expect(p.stats()).toMatchObject({ enqueued: 3, sent: 3, batchesSent: 1, queued: 0 });
  });

  it('sends at once when a batch is full by entries, then the rest by age', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport, { maxBatchEntries: 2 });
    log(p, '1', '2', '3', '4', '5');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.bodies.map((b) => b.streams[0]!.values.length)).toEqual([2, 2]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(t.lines()).toEqual(['1', '2', '3', '4', '5']);
  });

  it('closes a batch on bytes', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport, { maxBatchBytes: 25 });
    log(p, 'x'.repeat(10), 'y'.repeat(10), 'z'.repeat(10));
    await vi.advanceTimersByTimeAsync(0);
    expect(t.bodies[0]!.streams[0]!.values.map((v) => v[1])).toEqual(['x'.repeat(10), 'y'.repeat(10)]);
  });

  it('bounds the queue and counts what overflowed', async () => {
    const t = scriptedTransport(() => new Promise<SendResult>(() => {})); // never answers
    const p = pipelineWith(t.transport, { maxQueueEntries: 3, maxBatchEntries: 2 });
    log(p, 'a', 'b'); // goes in flight
    await vi.advanceTimersByTimeAsync(0);
    log(p, 'c', 'd', 'e', 'f', 'g');
    // The two in flight count against the bound: one more fits, four are dropped.
    expect(p.stats()).toMatchObject({ enqueued: 7, queued: 3, dropped: { queue_overflow: 4, total: 4 } });
  });

  it('sheds trace/debug/info before warn/error/fatal, and reports the gap in Loki once delivery resumes', async () => {
    let down = true;
    const t = scriptedTransport(() => (down ? retryable() : ok()));
    const p = pipelineWith(t.transport, { maxQueueEntries: 4, maxBatchEntries: 1 });
    p.enqueue(Date.now(), sub++, 'first', 30); // goes in flight and waits there
    await vi.advanceTimersByTimeAsync(0);
    const levels: [string, number][] = [['e1', 50], ['i1', 30], ['d1', 20], ['w1', 40], ['i2', 30], ['f1', 60], ['t1', 10], ['e2', 50]];
    for (const [line, level] of levels) p.enqueue(Date.now(), sub++, line, level);
    expect(p.stats().dropped.queue_overflow).toBe(5);
    down = false;
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toBe(true);
    const lines = t.lines().filter((line, i, all) => all.indexOf(line) === i); // resends of 'first' repeat it
    // 'first' is in flight, so three more fit: the warning goes once only errors and fatals are left.
    expect(lines.slice(0, 4)).toEqual(['first', 'e1', 'f1', 'e2']);
    expect(lines[4]).toBe('DROPPED 5 {"queue_overflow":5}');
    expect(lines).toHaveLength(5);
  });
});

describe('flush', () => {
  it('resolves once everything logged before it is sent, without waiting for the interval', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport, { flushIntervalMs: 60_000 });
    log(p, 'a', 'b');
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(0);
    await expect(done).resolves.toBe(true);
    expect(t.lines()).toEqual(['a', 'b']);
  });

  it('resolves at once when nothing waits', async () => {
    const p = pipelineWith(scriptedTransport(ok).transport);
    await expect(p.flush()).resolves.toBe(true);
  });

  it('resolves false on its timeout while the endpoint hangs, and never rejects', async () => {
    const t = scriptedTransport(() => new Promise<SendResult>(() => {}));
    const p = pipelineWith(t.transport);
    log(p, 'a');
    const done = p.flush(2000);
    await vi.advanceTimersByTimeAsync(2000);
    await expect(done).resolves.toBe(false);
  });
});

describe('answers', () => {
  it('retries a retryable failure with the same body, then counts it sent', async () => {
    const events: LoggerEvent[] = [];
    const t = scriptedTransport((_, call) => (call < 3 ? retryable() : ok()));
    const p = pipelineWith(t.transport, { onEvent: (e) => events.push(e) });
    log(p, 'a', 'b');
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toBe(true);
    expect(t.bodies).toHaveLength(3);
    expect(JSON.stringify(t.bodies[2])).toBe(JSON.stringify(t.bodies[0]));
    expect(p.stats()).toMatchObject({ sent: 2, retries: 2, dropped: { total: 0 } });
    expect(events.filter((e) => e.type === 'retry')).toHaveLength(2);
  });

  it('waits exactly Retry-After before resending', async () => {
    const t = scriptedTransport((_, call) => (call === 1 ? retryable(7000) : ok()));
    const p = pipelineWith(t.transport);
    log(p, 'a');
    void p.flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(t.bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(6999);
    expect(t.bodies).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(t.bodies).toHaveLength(2);
  });

  it('never retries a 400, counts the batch as rejected and keeps Loki’s reason', async () => {
    const t = scriptedTransport(() => ({ kind: 'failure', status: 400, reason: 'rejected', answer: 'bad request', error: new HttpError(400, 'push answered 400: entry too old') }));
    const p = pipelineWith(t.transport);
    log(p, 'a', 'b');
    await expect(p.flush()).resolves.toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(t.bodies).toHaveLength(1);
    expect(p.stats()).toMatchObject({ sent: 0, batchesFailed: 1, dropped: { rejected: 2, total: 2 }, lastError: { status: 400 } });
    expect(p.stats().lastError?.message).toContain('entry too old');
  });

  it('splits a batch answered 413 and drops only an entry that is too large alone', async () => {
    const t = scriptedTransport((push) => {
      const values = push.streams[0]!.values;
      if (values.length > 2 || values.some((v) => v[1] === 'huge')) return { kind: 'too-large', status: 413, error: new HttpError(413, 'too large') };
      return ok();
    });
    const p = pipelineWith(t.transport);
    log(p, 'a', 'b', 'c', 'huge', 'e');
    await expect(p.flush()).resolves.toBe(true);
    // Four entries, then the notice that reports the one dropped.
    expect(p.stats()).toMatchObject({ sent: 5, dropped: { too_large: 1, total: 1 } });
    const delivered = t.bodies.filter((b) => b.streams[0]!.values.length <= 2 && !b.streams[0]!.values.some((v) => v[1] === 'huge'));
    expect(delivered.flatMap((b) => b.streams[0]!.values.map((v) => v[1]))).toEqual(['a', 'b', 'c', 'e', 'DROPPED 1 {"too_large":1}']);
  });

  it('keeps going when onEvent throws', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport, {
      onEvent: () => {
        throw new Error('listener bug');
      },
    });
    log(p, 'a');
    await expect(p.flush()).resolves.toBe(true);
    expect(p.stats().sent).toBe(1);
  });
});

describe('circuit breaker', () => {
  it('opens after consecutive failures, sends nothing while open, probes, and resumes within retryMaxMs of recovery', async () => {
    const events: LoggerEvent[] = [];
    let down = true;
    const sentAt: number[] = [];
    const t = scriptedTransport(() => {
      sentAt.push(Date.now());
      return down ? retryable() : ok();
    });
    const p = pipelineWith(t.transport, { maxConcurrentRequests: 4, maxBatchEntries: 1, onEvent: (e) => events.push(e) });
    log(p, 'a', 'b', 'c', 'd', 'e', 'f');
    await vi.advanceTimersByTimeAsync(0);
    expect(t.bodies).toHaveLength(4); // four in flight while closed
    // A ten-minute outage.
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    expect(p.stats().breaker).not.toBe('closed');
    expect(events.filter((e) => e.type === 'breaker').map((e) => (e as { state: string }).state).slice(0, 3)).toEqual(['open', 'half-open', 'open']);
    // While open, one probe at a time and never faster than the breaker allows: no retry storm.
    const duringOutage = sentAt.filter((at) => at > sentAt[3]! + 30_000);
    for (let i = 1; i < duringOutage.length; i++) expect(duringOutage[i]! - duringOutage[i - 1]!).toBeGreaterThanOrEqual(1);
    expect(duringOutage.length).toBeLessThan(10 * 60 / 2 + 10); // at most one probe per ~2 s, far fewer in practice
    down = false;
    const recoveredAt = Date.now();
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(20_000);
    const firstSuccess = sentAt.find((at) => at >= recoveredAt)!;
    expect(firstSuccess - recoveredAt).toBeLessThanOrEqual(20_000);
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toBe(true);
    expect(p.stats()).toMatchObject({ sent: 6, breaker: 'closed', dropped: { total: 0 } });
    expect(new Set(t.lines())).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f']));
  });

  it('gives up after maxRetries when asked to, counting retry_exhausted', async () => {
    const t = scriptedTransport(() => retryable());
    const p = pipelineWith(t.transport, { maxRetries: 2 });
    log(p, 'a', 'b');
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toBe(true);
    expect(t.bodies).toHaveLength(3);
    expect(p.stats()).toMatchObject({ dropped: { retry_exhausted: 2, total: 2 }, batchesFailed: 1 });
  });
});

describe('parking during an outage (Node)', () => {
  /** A transport whose "compression" is visible: gzipped holds the body's bytes. */
  function parkingTransport(answer: () => SendResult) {
    const compressed: string[] = [];
    const sent: string[] = [];
    const transport: Transport = {
      async compress(batch) {
        if (batch.gzipped !== undefined) return;
        batch.gzipped = new TextEncoder().encode(batch.body) as Uint8Array<ArrayBuffer>;
        compressed.push(batch.id);
      },
      async send(batch) {
        await transport.compress(batch);
        const body = new TextDecoder().decode(batch.gzipped);
        for (const s of (JSON.parse(body) as Push).streams) for (const v of s.values) sent.push(v[1]);
        return answer();
      },
    };
    return { transport, compressed, sent };
  }

  /** A parking transport whose endpoint is down until `expectAllDeliveredOnRecovery` brings it back. */
  function endpointDown() {
    const state = { down: true };
    return { ...parkingTransport(() => (state.down ? retryable() : ok())), state };
  }

  /** The endpoint comes back: every line arrives once, in order, and nothing was dropped. */
  async function expectAllDeliveredOnRecovery(p: ReturnType<typeof createPipeline>, t: ReturnType<typeof endpointDown>, lines: string[]) {
    t.state.down = false;
    const done = p.flush();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(done).resolves.toBe(true);
    expect(t.sent.filter((line, i, all) => all.indexOf(line) === i)).toEqual(lines);
    expect(p.stats()).toMatchObject({ sent: lines.length, dropped: { total: 0 } });
  }

  it('seals full batches and keeps them compressed while every slot is busy, then sends them in order', async () => {
    const t = endpointDown();
    const p = pipelineWith(t.transport, { maxBatchEntries: 10 });
    const lines = Array.from({ length: 45 }, (_, i) => `e${i}`);
    log(p, ...lines);
    await vi.advanceTimersByTimeAsync(0);
    // One batch in flight (retrying), three full ones parked and compressed, five entries queued.
    expect(t.compressed.length).toBeGreaterThanOrEqual(4);
    expect(p.stats().queued).toBe(45);
    await expectAllDeliveredOnRecovery(p, t, lines);
  });

  it('parked batches count by their compressed bytes, not against maxQueueEntries: an outage past it loses nothing', async () => {
    const t = endpointDown();
    const p = pipelineWith(t.transport, { maxBatchEntries: 5, maxQueueEntries: 15 });
    const lines = Array.from({ length: 60 }, (_, i) => `e${i}`);
    for (const line of lines) {
      log(p, line);
      await vi.advanceTimersByTimeAsync(0); // each full batch is parked as the next entries come
    }
    expect(p.stats()).toMatchObject({ queued: 60, dropped: { total: 0 } });
    await expectAllDeliveredOnRecovery(p, t, lines);
  });

  it('over maxQueueBytes, drops a parked batch of infos before any queued error', async () => {
    const t = parkingTransport(() => retryable());
    // A 5-entry batch of these lines is a 215-byte push body (13-digit ms + 6-digit sub timestamps).
    const p = pipelineWith(t.transport, { maxBatchEntries: 5, maxQueueBytes: 450 });
    for (let i = 0; i < 10; i++) p.enqueue(Date.now(), sub++, `info${i}`, 30); // one in flight, one parked
    await vi.advanceTimersByTimeAsync(0);
    expect(p.stats()).toMatchObject({ queued: 10, dropped: { total: 0 } });
    // 215 in flight + 215 parked + 6 B an error line: the 4th error is over 450.
    for (let i = 0; i < 10; i++) p.enqueue(Date.now(), sub++, `error${i}`, 50);
    // The parked info batch (5 entries) went, every error stays.
    expect(p.stats()).toMatchObject({ queued: 15, dropped: { queue_overflow: 5, total: 5 } });
  });
});

describe('with durability (browsers)', () => {
  /** In-memory stand-in for IndexedDB + Web Locks. */
  function memoryDurability(): Durability & { stored: Map<string, SealedBatch> } {
    const stored = new Map<string, SealedBatch>();
    return {
      stored,
      withLock: async (_id, work) => {
        await work();
        return true;
      },
      save: async (batch) => (stored.set(batch.id, batch), true),
      saveOnExit: (batches) => batches.forEach((batch) => stored.set(batch.id, batch)),
      has: async (id) => stored.has(id),
      remove: async (id) => void stored.delete(id),
      list: async () => [...stored.values()],
    };
  }

  it('writes each batch ahead of its first send and deletes it once acknowledged', async () => {
    const durability = memoryDurability();
    const storedAtSend: number[] = [];
    const t = scriptedTransport(() => {
      storedAtSend.push(durability.stored.size);
      return ok();
    });
    const p = pipelineWith(t.transport, { durability });
    log(p, 'a', 'b');
    await expect(p.flush()).resolves.toBe(true);
    expect(storedAtSend).toEqual([1]);
    expect(durability.stored.size).toBe(0);
  });

  it('keeps the unsealed queue within its bound too, shedding the least important entries', async () => {
    const t = scriptedTransport(() => new Promise<SendResult>(() => {}));
    const p = pipelineWith(t.transport, { durability: memoryDurability(), maxQueueEntries: 3, maxBatchEntries: 100 });
    for (const [line, level] of [['i1', 30], ['e1', 50], ['i2', 30], ['e2', 50], ['d1', 20]] as const) p.enqueue(Date.now(), sub++, line, level);
    expect(p.stats()).toMatchObject({ queued: 3, dropped: { queue_overflow: 2 } });
  });
});

describe('partial 400', () => {
  it('counts only the entries Loki names as refused; the rest were stored', async () => {
    const answer = "entry for stream '{service_name=\"test\"}' has timestamp too old: 2026-11-16T09:02:56Z";
    const t = scriptedTransport(() => ({ kind: 'failure', status: 400, reason: 'rejected', answer, error: new HttpError(400, answer) }));
    const p = pipelineWith(t.transport);
    log(p, 'a', 'b', 'c');
    await p.flush();
    expect(p.stats()).toMatchObject({ sent: 2, dropped: { rejected: 1, total: 1 }, lastError: { status: 400 } });
  });
});

describe('close', () => {
  it('drains what is queued, then refuses and counts later entries', async () => {
    const t = scriptedTransport(ok);
    const p = pipelineWith(t.transport);
    log(p, 'a', 'b');
    await p.close();
    expect(t.lines()).toEqual(['a', 'b']);
    log(p, 'late');
    expect(p.stats()).toMatchObject({ sent: 2, dropped: { closed: 1, total: 1 } });
    expect(p.close()).toBe(p.close());
  });

  it('gives up at its deadline while the endpoint is down, dropping what is left as closed', async () => {
    const t = scriptedTransport(() => retryable());
    const p = pipelineWith(t.transport, { closeTimeoutMs: 3000, maxBatchEntries: 2 });
    log(p, 'a', 'b', 'c');
    const closed = p.close();
    await vi.advanceTimersByTimeAsync(3000);
    await closed;
    expect(p.stats()).toMatchObject({ sent: 0, queued: 0, dropped: { closed: 3, total: 3 } });
    const calls = t.bodies.length;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(t.bodies).toHaveLength(calls); // nothing runs after close
  });

  it('turns a transport that throws into a counted drop, never an unhandled rejection', async () => {
    const transport: Transport = {
      compress: async () => {},
      send: () => Promise.reject(new CloudlogError('bug')),
    };
    const p = pipelineWith(transport);
    log(p, 'a');
    await expect(p.flush()).resolves.toBe(true);
    expect(p.stats().dropped.total).toBe(1);
  });
});
