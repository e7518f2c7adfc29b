/**
 * Delivery under failure, end to end: the built package logs through a seeded fault-injection
 * proxy into the Loki-rules receiver. Assertions are on what Loki would have stored (after its
 * merging of identical entries) and on stats() — never on wall-clock time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, type LoggerEvent, type LoggerOptions } from '../../dist/index.js';
import { plans, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';

let loki: LokiReceiver;
let proxy: FaultProxy;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  loki = await startLokiReceiver({ flavor: '3' });
  proxy = await startFaultProxy({ target: loki.url, seed: 42 });
  process.on('unhandledRejection', onUnhandled);
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await proxy.close();
  await loki.close();
});
let firstRequest = 0;
beforeEach(() => {
  loki.reset();
  proxy.setPlan(plans.pass);
  firstRequest = proxy.log.length;
});
/** The requests the proxy saw in this test. */
const requests = () => proxy.log.slice(firstRequest);
afterEach(() => {
  // No background promise of the SDK may ever reject unhandled.
  expect(unhandled).toEqual([]);
});

/** Fast retries so a test takes seconds; the behaviour is the same as with the defaults. */
function logger(service: string, extra: Partial<LoggerOptions> = {}) {
  const events: LoggerEvent[] = [];
  const log = createLogger({
    url: proxy.url,
    labels: { service_name: service },
    retryBaseMs: 20,
    retryMaxMs: 200,
    breakerOpenMs: 50,
    requestTimeoutMs: 500,
    flushIntervalMs: 50,
    maxBatchEntries: 100,
    onEvent: (e) => events.push(e),
    ...extra,
  });
  return { log, events };
}

const msgs = (service: string) => loki.entries({ service_name: service }).map((e) => JSON.parse(e.line) as { msg: string; i?: number });

function logN(log: ReturnType<typeof createLogger>, n: number) {
  for (let i = 0; i < n; i++) log.info('entry', { i });
}

/** Every retryable entry stored exactly once, in order. */
function expectExactlyOnce(service: string, n: number) {
  const stored = msgs(service);
  expect(stored.map((m) => m.i)).toEqual(Array.from({ length: n }, (_, i) => i));
}

describe('retryable failures: every entry stored exactly once', () => {
  it('connections reset at random', async () => {
    proxy.setPlan(plans.randomly(0.4, { kind: 'reset' }));
    const { log } = logger('f-reset');
    logN(log, 1000);
    await expect(log.flush()).resolves.toBe(true);
    expectExactlyOnce('f-reset', 1000);
    const stats = log.stats();
    expect(stats.retries).toBeGreaterThan(0);
    expect(stats).toMatchObject({ sent: 1000, dropped: { total: 0 } });
    await log.close();
  });

  it('an endpoint that hangs past the request timeout', async () => {
    proxy.setPlan(plans.firstN(2, { kind: 'hang' }));
    const { log, events } = logger('f-hang', { requestTimeoutMs: 200 });
    logN(log, 150);
    await expect(log.flush()).resolves.toBe(true);
    expectExactlyOnce('f-hang', 150);
    expect(events.some((e) => e.type === 'retry' && e.error.message.includes('timed out'))).toBe(true);
    await log.close();
  });

  it('503 and 429, with and without Retry-After', async () => {
    proxy.setPlan(
      plans.sequence(
        { kind: 'status', status: 503 },
        { kind: 'status', status: 429, retryAfter: '0' },
        { kind: 'status', status: 502, body: 'bad gateway' },
        { kind: 'pass' },
        { kind: 'pass' },
        { kind: 'pass' },
      ),
    );
    const { log, events } = logger('f-503');
    logN(log, 300);
    await expect(log.flush()).resolves.toBe(true);
    expectExactlyOnce('f-503', 300);
    expect(events.filter((e) => e.type === 'retry').map((e) => (e as { error: { message: string } }).error.message.slice(0, 16))).toEqual(
      expect.arrayContaining(['push answered 50', 'push answered 42']),
    );
    await log.close();
  });

  it('a batch stored but its answer lost: the resend is merged, not duplicated', async () => {
    proxy.setPlan(plans.sequence({ kind: 'store-then-reset' }, { kind: 'store-then-status', status: 500 }, { kind: 'pass' }));
    const { log } = logger('f-lost', { maxBatchEntries: 1000 });
    logN(log, 200);
    await expect(log.flush()).resolves.toBe(true);
    expectExactlyOnce('f-lost', 200);
    // The same bytes went out three times; Loki kept one copy of each entry.
    expect(requests().map((r) => r.bodyBytes)).toEqual([requests()[0]!.bodyBytes, requests()[0]!.bodyBytes, requests()[0]!.bodyBytes]);
    expect(log.stats()).toMatchObject({ sent: 200, retries: 2 });
    await log.close();
  });
});

describe('answers that must not be retried', () => {
  it('401 forever: one request per batch, entries counted as rejected with the reason', async () => {
    proxy.setPlan(plans.always({ kind: 'status', status: 401, body: 'invalid credentials' }));
    const { log } = logger('f-401');
    logN(log, 250);
    await expect(log.flush()).resolves.toBe(true);
    expect(requests()).toHaveLength(3); // batches of 100, 100, 50 — none resent
    const stats = log.stats();
    expect(stats).toMatchObject({ sent: 0, retries: 0, batchesFailed: 3, dropped: { rejected: 250, total: 250 }, lastError: { status: 401 } });
    expect(stats.lastError?.message).toContain('invalid credentials');
    expect(msgs('f-401')).toHaveLength(0);
    await log.close();
  });

  it('400 for part of a batch: the rest is stored, only the refused entry is counted', async () => {
    // A line over Loki 3's 256 KB cap (the SDK is told to allow it) is refused; its batch-mates are stored.
    const { log } = logger('f-400', { maxLineBytes: 400_000, maxBatchEntries: 10 });
    log.info('before');
    log.info('too long', { blob: 'x'.repeat(300_000) });
    log.info('after');
    await expect(log.flush()).resolves.toBe(true);
    expect(msgs('f-400').map((m) => m.msg)).toEqual(['before', 'after']);
    expect(requests()).toHaveLength(1);
    const stats = log.stats();
    expect(stats).toMatchObject({ sent: 2, dropped: { rejected: 1, total: 1 }, lastError: { status: 400 } });
    expect(stats.lastError?.message).toContain('Max entry size');
    await log.close();
  });

  it('413: the batch is split and sent in halves; an entry too large alone is dropped with its reason', async () => {
    const small = await startLokiReceiver({ flavor: '3', maxBodyBytes: 6000 });
    try {
      const log = createLogger({ url: small.url, labels: { service_name: 'f-413' }, compression: 'none', maxBatchEntries: 200, flushIntervalMs: 50 });
      for (let i = 0; i < 120; i++) log.info('entry', { i, pad: 'p'.repeat(40) });
      log.info('alone too big', { blob: 'y'.repeat(8000) });
      await expect(log.flush()).resolves.toBe(true);
      const stored = small.entries({ service_name: 'f-413' }).map((e) => (JSON.parse(e.line) as { i: number }).i);
      expect(stored).toEqual(Array.from({ length: 120 }, (_, i) => i));
      expect(small.requests.some((r) => r.status === 413)).toBe(true);
      expect(log.stats()).toMatchObject({ sent: 120, dropped: { too_large: 1, total: 1 } });
      await log.close();
    } finally {
      await small.close();
    }
  });
});

describe('an outage', () => {
  it('holds a bounded queue, opens the breaker, sheds low levels first, and reports the gap once back', async () => {
    const outage = plans.outage({ kind: 'status', status: 503 });
    proxy.setPlan(outage);
    const { log, events } = logger('f-outage', { maxQueueEntries: 500, maxBatchEntries: 100 });
    let maxQueued = 0;
    for (let i = 0; i < 2000; i++) {
      if (i % 10 === 0) log.error('important', { i });
      else log.info('chatter', { i });
      maxQueued = Math.max(maxQueued, log.stats().queued);
    }
    // Wait for the breaker to open while the endpoint stays down.
    for (let tries = 0; tries < 200 && log.stats().breaker === 'closed'; tries++) await new Promise((r) => setTimeout(r, 20));
    const during = log.stats();
    expect(during.breaker).not.toBe('closed');
    expect(during.sent).toBe(0);
    expect(maxQueued).toBeLessThanOrEqual(500); // the bound counts the batch in flight too
    outage.recover();
    await expect(log.flush()).resolves.toBe(true);

    const stored = msgs('f-outage');
    const errors = stored.filter((m) => m.msg === 'important').map((m) => m.i);
    // All 200 errors survive: infos were shed first.
    expect(errors).toEqual(Array.from({ length: 200 }, (_, k) => k * 10));
    const stats = log.stats();
    const notice = stored.find((m) => m.msg.startsWith('cloudlog dropped')) as { msg: string; droppedTotal: number; dropped: Record<string, number> } | undefined;
    expect(notice).toBeDefined();
    expect(notice!.dropped.queue_overflow).toBe(stats.dropped.queue_overflow);
    expect(notice!.droppedTotal).toBe(stats.dropped.total);
    // Nothing lost without being counted: stored + dropped = logged (+ the notice entry).
    expect(stored.length - 1 + stats.dropped.total).toBe(2000);
    expect(events.map((e) => (e.type === 'breaker' ? e.state : undefined)).filter(Boolean)).toEqual(expect.arrayContaining(['open', 'half-open', 'closed']));
    await log.close();
  });

  it('close() during an outage gives up at its deadline, counting what is left as closed', async () => {
    proxy.setPlan(plans.always({ kind: 'reset' }));
    const { log } = logger('f-close', { closeTimeoutMs: 300 });
    logN(log, 50);
    await log.close();
    expect(log.stats()).toMatchObject({ sent: 0, queued: 0, dropped: { closed: 50, total: 50 } });
    log.info('after close');
    expect(log.stats().dropped.closed).toBe(51);
  });
});
