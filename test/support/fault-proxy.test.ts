/**
 * Proves every fault of test/support/fault-proxy.ts does what it says, with plain
 * `fetch` against the proxy and the Loki receiver behind it: what the client sees
 * (answer, header, rejection) and what Loki ends up storing.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mulberry32, plans, startFaultProxy } from './fault-proxy';
import type { FaultAction, FaultProxy } from './fault-proxy';
import { startLokiReceiver } from './loki-receiver';
import type { LokiReceiver } from './loki-receiver';

// ───────────────────────────── helpers ─────────────────────────────

let seq = 0n;

/** A real Loki push body with one entry stamped now (ns, plus a sequence so no two collide). */
function pushBody(line: string, labels: Record<string, string> = { service_name: 't' }): string {
  const ts = BigInt(Date.now()) * 1_000_000n + (seq++ % 1_000_000n);
  return JSON.stringify({ streams: [{ stream: labels, values: [[ts.toString(), line]] }] });
}

function push(url: string, line: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: pushBody(line),
    ...init,
  });
}

function lines(receiver: LokiReceiver): string[] {
  return receiver.entries().map((e) => e.line);
}

/** The network-level reason of a rejected fetch (undici wraps it in TypeError('fetch failed')). */
async function fetchFailure(promise: Promise<Response>): Promise<Error & { cause?: { code?: string } }> {
  const err = await promise.then(
    (res) => {
      throw new Error(`expected fetch to reject, got ${res.status}`);
    },
    (e: unknown) => e as Error & { cause?: { code?: string } },
  );
  return err;
}

async function waitUntil(cond: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const unavailable: FaultAction = { kind: 'status', status: 503 };

// ───────────────────────────── tests ─────────────────────────────

let receiver: LokiReceiver;
let proxy: FaultProxy;

beforeAll(async () => {
  receiver = await startLokiReceiver({ flavor: '3' });
});
afterAll(async () => {
  await receiver.close();
});
beforeEach(async () => {
  receiver.reset();
  proxy = await startFaultProxy({ target: receiver.url });
});
afterEach(async () => {
  await proxy.close();
});

describe('fault-proxy actions', () => {
  it('pass: forwards the push and returns the receiver answer (204, stored)', async () => {
    const body = pushBody('passed');
    const res = await fetch(proxy.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(204);
    expect(lines(receiver)).toEqual(['passed']);
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/loki\/api\/v1\/push$/);
    expect(proxy.log).toEqual([{ index: 0, action: 'pass', status: 204, bodyBytes: Buffer.byteLength(body) }]);
  });

  it('pass: forwards the Loki headers and relays the receiver status, body and headers', async () => {
    const gz = gzipSync(Buffer.from(pushBody('zipped')));
    const ok = await fetch(proxy.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        authorization: 'Bearer s3cret',
        'x-scope-orgid': 'tenant-a',
        cookie: 'not=forwarded',
      },
      body: gz,
    });
    expect(ok.status).toBe(204);
    expect(lines(receiver)).toEqual(['zipped']);
    const sent = receiver.requests[0]?.headers;
    expect(sent?.['content-encoding']).toBe('gzip');
    expect(sent?.authorization).toBe('Bearer s3cret');
    expect(sent?.['x-scope-orgid']).toBe('tenant-a');
    expect(sent?.cookie).toBeUndefined();
    expect(receiver.requests[0]?.rawBytes).toBe(gz.length);

    // A push Loki rejects (no labels): the receiver's 400 and its message come back unchanged.
    const bad = await fetch(proxy.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: {}, values: [[`${BigInt(Date.now()) * 1_000_000n}`, 'x']] }] }),
    });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe(receiver.requests[1]?.responseBody);
    expect(bad.headers.get('access-control-allow-origin')).toBe('*');
    expect(proxy.log.map((e) => e.status)).toEqual([204, 400]);
  });

  it('reset: the fetch rejects with ECONNRESET and nothing is stored', async () => {
    proxy.setPlan(plans.always({ kind: 'reset' }));
    const err = await fetchFailure(push(proxy.url, 'reset'));
    expect(err).toBeInstanceOf(TypeError);
    expect(err.cause?.code).toBe('ECONNRESET');
    expect(receiver.requests).toHaveLength(0);
    expect(receiver.entries()).toEqual([]);
    expect(proxy.log).toEqual([{ index: 0, action: 'reset', bodyBytes: expect.any(Number) }]);
    expect(proxy.log[0]?.bodyBytes).toBeGreaterThan(0);
  });

  it('hang: never answers, the client times out, nothing is stored', async () => {
    proxy.setPlan(plans.always({ kind: 'hang' }));
    const started = Date.now();
    const err = await fetchFailure(push(proxy.url, 'hung', { signal: AbortSignal.timeout(300) }));
    expect(err.name).toBe('TimeoutError');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(receiver.requests).toHaveLength(0);
    expect(receiver.entries()).toEqual([]);
    expect(proxy.log).toEqual([{ index: 0, action: 'hang', bodyBytes: expect.any(Number) }]);
    expect(proxy.log[0]?.bodyBytes).toBeGreaterThan(0); // the body was read: the request did arrive
  });

  it('status: answers 503 with Retry-After without forwarding; nothing is stored', async () => {
    proxy.setPlan(plans.always({ kind: 'status', status: 503, retryAfter: '2', body: 'try later' }));
    const res = await push(proxy.url, 'refused');
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect(res.headers.get('access-control-expose-headers')).toBe('*');
    expect(await res.text()).toBe('try later');
    expect(receiver.requests).toHaveLength(0);
    expect(receiver.entries()).toEqual([]);
    expect(proxy.log).toEqual([{ index: 0, action: 'status', bodyBytes: expect.any(Number) }]);
  });

  it('store-then-reset: the fetch rejects but the entry IS stored', async () => {
    proxy.setPlan(plans.always({ kind: 'store-then-reset' }));
    const err = await fetchFailure(push(proxy.url, 'stored, answer lost'));
    expect(err.cause?.code).toBe('ECONNRESET');
    expect(lines(receiver)).toEqual(['stored, answer lost']);
    expect(receiver.requests.map((r) => r.status)).toEqual([204]);
    expect(proxy.log).toEqual([{ index: 0, action: 'store-then-reset', status: 204, bodyBytes: expect.any(Number) }]);
  });

  it('store-then-status: stored, but answered 500 (with Retry-After when asked)', async () => {
    proxy.setPlan(plans.always({ kind: 'store-then-status', status: 500, retryAfter: '1' }));
    const res = await push(proxy.url, 'stored, answered 500');
    expect(res.status).toBe(500);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(lines(receiver)).toEqual(['stored, answered 500']);
    expect(proxy.log).toEqual([{ index: 0, action: 'store-then-status', status: 204, bodyBytes: expect.any(Number) }]);
  });

  it('store-then-status: the resend of the same bytes merges in Loki (exactly once)', async () => {
    proxy.setPlan(plans.firstN(1, { kind: 'store-then-status', status: 503 }));
    const body = pushBody('sent twice');
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    expect((await fetch(proxy.url, init)).status).toBe(503);
    expect((await fetch(proxy.url, init)).status).toBe(204);
    expect(receiver.requests).toHaveLength(2);
    expect(lines(receiver)).toEqual(['sent twice']);
  });

  it('delay: the push arrives only after the delay', async () => {
    proxy.setPlan(plans.always({ kind: 'delay', ms: 300, then: { kind: 'pass' } }));
    const started = Date.now();
    const pending = push(proxy.url, 'late');
    await new Promise((r) => setTimeout(r, 100));
    expect(receiver.requests).toHaveLength(0); // still held by the proxy
    const res = await pending;
    expect(res.status).toBe(204);
    expect(Date.now() - started).toBeGreaterThanOrEqual(295);
    expect(receiver.requests[0]?.receivedAt).toBeGreaterThanOrEqual(started + 295);
    expect(lines(receiver)).toEqual(['late']);
    expect(proxy.log).toEqual([{ index: 0, action: 'delay', status: 204, bodyBytes: expect.any(Number) }]);
  });

  it('delay: composes with another fault (delayed reset)', async () => {
    proxy.setPlan(plans.always({ kind: 'delay', ms: 200, then: { kind: 'reset' } }));
    const started = Date.now();
    const err = await fetchFailure(push(proxy.url, 'late reset'));
    expect(err.cause?.code).toBe('ECONNRESET');
    expect(Date.now() - started).toBeGreaterThanOrEqual(195);
    expect(receiver.entries()).toEqual([]);
  });

  it('delay: a client that gives up does not stop the push (stored, unacknowledged)', async () => {
    proxy.setPlan(plans.always({ kind: 'delay', ms: 1_000, then: { kind: 'pass' } }));
    const controller = new AbortController();
    const pending = fetchFailure(push(proxy.url, 'timed out but stored', { signal: controller.signal }));
    // Abort only once the proxy holds the whole request, so a loaded machine cannot abort it mid-upload.
    await waitUntil(() => (proxy.log[0]?.bodyBytes ?? 0) > 0);
    controller.abort();
    expect((await pending).name).toBe('AbortError');
    expect(receiver.requests).toHaveLength(0);
    // The log gets the status once the receiver's answer is back at the proxy, a moment after storing.
    await waitUntil(() => proxy.log[0]?.status !== undefined, 5_000);
    expect(proxy.log[0]?.status).toBe(204);
    expect(lines(receiver)).toEqual(['timed out but stored']);
  });
});

describe('fault-proxy plans', () => {
  async function actionsOf(p: FaultProxy, n: number): Promise<string[]> {
    const from = p.log.length;
    for (let i = 0; i < n; i++) await push(p.url, `r${i}`);
    return p.log.slice(from).map((e) => e.action);
  }

  it('randomly: the same seed gives the same action sequence, another seed another one', async () => {
    const plan = plans.randomly(0.5, unavailable);
    const a = await startFaultProxy({ target: receiver.url, seed: 7, plan });
    const b = await startFaultProxy({ target: receiver.url, seed: 7, plan });
    const c = await startFaultProxy({ target: receiver.url, seed: 8, plan });
    try {
      const first = await actionsOf(a, 24);
      expect(await actionsOf(b, 24)).toEqual(first);
      expect(first).toContain('status');
      expect(first).toContain('pass');
      expect(await actionsOf(c, 24)).not.toEqual(first);
      // setPlan restarts indices and the random stream: the sequence repeats.
      a.setPlan(plan);
      expect(await actionsOf(a, 24)).toEqual(first);
      expect(a.log.slice(24).map((e) => e.index)).toEqual([...Array(24).keys()]);
      // What reached the receiver is exactly the passes, across all three proxies.
      const passes = [a, b, c].reduce((sum, p) => sum + p.log.filter((e) => e.action === 'pass').length, 0);
      expect(receiver.requests).toHaveLength(passes);
    } finally {
      await Promise.all([a.close(), b.close(), c.close()]);
    }
  });

  it('randomly: a pure function of (index, seeded random); p = 0 and p = 1 are exact', () => {
    const plan = plans.randomly(0.3, unavailable);
    const run = (seed: number) => {
      const random = mulberry32(seed);
      return Array.from({ length: 50 }, (_, i) => plan(i, random).kind);
    };
    expect(run(42)).toEqual(run(42));
    const hits = run(42).filter((k) => k === 'status').length;
    expect(hits).toBeGreaterThan(5);
    expect(hits).toBeLessThan(30);
    const random = mulberry32(1);
    expect(Array.from({ length: 20 }, (_, i) => plans.randomly(0, unavailable)(i, random).kind)).not.toContain('status');
    expect(Array.from({ length: 20 }, (_, i) => plans.randomly(1, unavailable)(i, random).kind)).not.toContain('pass');
    expect(() => plans.randomly(1.5, unavailable)).toThrow(TypeError);
  });

  it('firstN: the first n requests fail, then everything passes', async () => {
    proxy.setPlan(plans.firstN(2, unavailable));
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await push(proxy.url, `n${i}`)).status);
    expect(statuses).toEqual([503, 503, 204, 204]);
    expect(lines(receiver).sort()).toEqual(['n2', 'n3']);
  });

  it('sequence: cycles through the actions in order', async () => {
    proxy.setPlan(plans.sequence(unavailable, { kind: 'status', status: 429, retryAfter: '1' }, { kind: 'pass' }));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await push(proxy.url, `s${i}`)).status);
    expect(statuses).toEqual([503, 429, 204, 503, 429, 204]);
    expect(lines(receiver).sort()).toEqual(['s2', 's5']);
    expect(() => plans.sequence()).toThrow(TypeError);
  });

  it('outage: fails until recover(), then passes', async () => {
    const outage = plans.outage({ kind: 'reset' });
    proxy.setPlan(outage);
    expect(outage.down).toBe(true);
    await fetchFailure(push(proxy.url, 'during outage 1'));
    await fetchFailure(push(proxy.url, 'during outage 2'));
    expect(receiver.requests).toHaveLength(0);
    outage.recover();
    expect(outage.down).toBe(false);
    expect((await push(proxy.url, 'after recovery')).status).toBe(204);
    expect(lines(receiver)).toEqual(['after recovery']);
    expect(proxy.log.map((e) => e.action)).toEqual(['reset', 'reset', 'pass']);
  });

  it('an invalid action from a plan is answered 500 with the reason, not swallowed', async () => {
    proxy.setPlan(() => ({ kind: 'status', status: 42 }));
    const res = await push(proxy.url, 'bad plan');
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/status in 200\.\.599/);
    expect(receiver.requests).toHaveLength(0);
  });
});

describe('fault-proxy lifecycle', () => {
  it('close() ends hanging and delayed requests and resolves promptly', async () => {
    const p = await startFaultProxy({
      target: receiver.url,
      plan: plans.sequence({ kind: 'hang' }, { kind: 'delay', ms: 60_000, then: { kind: 'pass' } }),
    });
    const hung = fetchFailure(push(p.url, 'hanging'));
    const delayed = fetchFailure(push(p.url, 'delayed'));
    await waitUntil(() => p.log.length === 2 && p.log.every((e) => e.bodyBytes > 0));
    const started = Date.now();
    await p.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(hung).resolves.toBeInstanceOf(TypeError);
    await expect(delayed).resolves.toBeInstanceOf(TypeError);
    expect(receiver.requests).toHaveLength(0);
    await p.close(); // idempotent
    await expect(push(p.url, 'after close')).rejects.toThrow();
  });

  it('forwards non-push requests (preflight, /ready) outside the plan and the log', async () => {
    proxy.setPlan(plans.always({ kind: 'reset' }));
    const origin = new URL(proxy.url).origin;
    const ready = await fetch(`${origin}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe('ready');
    const preflight = await fetch(proxy.url, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:1', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(proxy.log).toEqual([]);
  });

  it('rejects a bad target at setup', async () => {
    await expect(startFaultProxy({ target: 'not a url' })).rejects.toThrow(TypeError);
    await expect(startFaultProxy({ target: 'https://127.0.0.1:1/loki/api/v1/push' })).rejects.toThrow(TypeError);
  });
});
