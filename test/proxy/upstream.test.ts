/**
 * What reaches Loki and what the client hears back: credentials and tenant from configuration
 * only, a fixed upstream, Loki's failures mapped to answers the SDK retries (or not), and batch-id
 * dedup. The fault proxy (test/support/fault-proxy.ts) stands in for a failing Loki.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plans } from '../support/fault-proxy.js';
import { metric, nowNs, postPush, pushBody, send, startStack, type Stack } from './stack.js';

const ID = 'batch-0123456789abcdef';

describe('forwarding', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { username: 'proxy-user', password: 'proxy-secret', tenant: 'team-a', rateLimitPerSecond: 0 } });
  });
  afterAll(() => stack.close());

  it("sends Loki the proxy's credentials and tenant, and none of the client's headers", async () => {
    const answer = await postPush(stack.url, pushBody({ service_name: 'web' }, ['hello']), {
      authorization: 'Bearer stolen-or-forged',
      'x-scope-orgid': 'someone-else',
      cookie: 'session=abc',
      'x-custom': 'from the client',
      'x-forwarded-for': '6.6.6.6',
    });
    expect(answer.status).toBe(204);
    const [request] = stack.receiver.requests;
    expect(request?.headers['authorization']).toBe(`Basic ${Buffer.from('proxy-user:proxy-secret').toString('base64')}`);
    expect(request?.headers['x-scope-orgid']).toBe('team-a');
    for (const header of ['cookie', 'x-custom', 'x-forwarded-for', 'x-cloudlog-batch-id', 'origin']) expect(request?.headers[header]).toBeUndefined();
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['content-encoding']).toBe('gzip');
    expect(request?.headers['user-agent']).toBe('cloudlog-proxy');
    expect(stack.receiver.entries().map((e) => [e.stream, e.line])).toEqual([[{ service_name: 'web' }, 'hello']]);
  });

  it('forwards to its configured URL whatever the client addresses (no SSRF)', async () => {
    stack.receiver.reset();
    const answer = await postPush(stack.url, pushBody({ service_name: 'web' }, ['x']), { host: 'internal-admin.local:8080' });
    expect(answer.status).toBe(204);
    expect(stack.receiver.requests).toHaveLength(1);
    // An absolute-form target naming another server is not the push path: nothing is forwarded anywhere.
    const absolute = await new Promise<number>((resolve, reject) => {
      const { port } = new URL(stack.url);
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: 'http://169.254.169.254/loki/api/v1/push', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(pushBody({ service_name: 'web' }, ['ssrf']));
    });
    expect(absolute).toBe(404);
    expect(stack.receiver.requests).toHaveLength(1);
  });

  it('takes plain JSON and beacons (text/plain), gzip or not', async () => {
    stack.receiver.reset();
    expect((await send(stack.url, { headers: { 'content-type': 'application/json' }, body: pushBody({ service_name: 'web' }, ['plain']) })).status).toBe(204);
    expect((await send(`${stack.url}?batch=beacon-0123456789ab`, { headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: pushBody({ service_name: 'web' }, ['beacon']) })).status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.line).sort()).toEqual(['beacon', 'plain']);
  });
});

describe("Loki's failures, mapped to what the SDK does next", () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ fault: plans.pass, proxy: { upstreamTimeoutMs: 300, retryAfterSeconds: 5, rateLimitPerSecond: 0, dedupWindowMs: 0 } });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.fault!.setPlan(plans.pass);
    stack.receiver.reset();
    stack.events.length = 0;
  });

  const cases = [
    { name: 'Loki 429 with Retry-After 7', action: { kind: 'status', status: 429, retryAfter: '7', body: 'ingestion rate limit' }, status: 429, retryAfter: '7', text: 'cloudlog-proxy: Loki is rate limiting: ingestion rate limit' },
    { name: 'Loki 429 without Retry-After', action: { kind: 'status', status: 429 }, status: 429, retryAfter: '5', text: 'Loki is rate limiting' },
    { name: 'Loki 500', action: { kind: 'status', status: 500, body: 'internal' }, status: 503, retryAfter: '5', text: 'Loki answered 500: internal' },
    { name: 'Loki 503', action: { kind: 'status', status: 503 }, status: 503, retryAfter: '5', text: 'Loki answered 503' },
    { name: 'a reset connection', action: { kind: 'reset' }, status: 502, retryAfter: '5', text: 'cloudlog-proxy: Loki is unreachable' },
    { name: 'Loki not answering', action: { kind: 'hang' }, status: 504, retryAfter: '5', text: 'cloudlog-proxy: Loki did not answer within 300 ms' },
    { name: 'Loki 401 (the proxy has the wrong credentials)', action: { kind: 'status', status: 401, body: 'no org id' }, status: 502, retryAfter: '5', text: "Loki refused the proxy (401: no org id); check its URL, credentials and tenant" },
  ] as const;

  for (const c of cases) {
    it(`${c.name} → ${c.status} with Retry-After ${c.retryAfter}`, async () => {
      stack.fault!.setPlan(plans.always(c.action as never));
      const answer = await postPush(stack.url, pushBody({ service_name: 'web' }, ['x']));
      expect(answer.status).toBe(c.status);
      expect(answer.headers['retry-after']).toBe(c.retryAfter);
      expect(answer.text).toContain(c.text);
      expect(stack.events).toEqual([{ type: 'upstream-failed', status: c.status, message: expect.any(String) }]);
    });
  }

  it("Loki 400 (partly stored) → 400 with Loki's reason and its count, not retried", async () => {
    // The receiver refuses an entry more than 1 h behind the newest of its stream.
    await postPush(stack.url, pushBody({ service_name: 'order' }, ['newest']));
    const answer = await postPush(stack.url, JSON.stringify({ streams: [{ stream: { service_name: 'order' }, values: [[nowNs(-2 * 3600_000), 'too far behind'], [nowNs(0, 5), 'fine']] }] }));
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/^cloudlog-proxy: 1 of 2 entries refused\nLoki: entry with timestamp .+ ignored, reason: 'entry too far behind/);
    expect(answer.text).toMatch(/total ignored: 1 out of 2$/m);
    expect(stack.receiver.entries({ service_name: 'order' }).map((e) => e.line)).toEqual(['newest', 'fine']);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_entries_rejected_total{reason="upstream_rejected"}')).toBe(1);
  });

  it('Loki 413 → 413 (the SDK splits)', async () => {
    stack.fault!.setPlan(plans.always({ kind: 'status', status: 413, body: 'request body too large' }));
    const answer = await postPush(stack.url, pushBody({ service_name: 'web' }, ['x']));
    expect(answer).toMatchObject({ status: 413, text: 'cloudlog-proxy: Loki: request body too large; split the batch\n' });
  });

  it('Loki 260 (ingestion blocked) is passed on: the SDK counts it as dropped by the server', async () => {
    stack.fault!.setPlan(plans.always({ kind: 'status', status: 260 }));
    expect((await postPush(stack.url, pushBody({ service_name: 'web' }, ['x']))).status).toBe(260);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_entries_rejected_total{reason="upstream_dropped"}')).toBe(1);
  });
});

describe('batch-id dedup', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ fault: plans.pass, proxy: { rateLimitPerSecond: 0 } });
  });
  afterAll(() => stack.close());
  afterEach(() => {
    stack.fault!.setPlan(plans.pass);
    stack.receiver.reset();
  });
  const forwarded = () => stack.fault!.log.length;

  it('the same batch twice: stored once, the second answered 204 without forwarding', async () => {
    const before = forwarded();
    const body = pushBody({ service_name: 'dedup' }, ['once']);
    expect((await postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-1` })).status).toBe(204);
    expect((await postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-1` })).status).toBe(204);
    expect(forwarded() - before).toBe(1);
    expect(stack.receiver.entries({ service_name: 'dedup' })).toHaveLength(1);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_dedup_hits_total')).toBeGreaterThanOrEqual(1);
  });

  it('a beacon (?batch=) after the fetch of the same batch (header) is not forwarded', async () => {
    const before = forwarded();
    const body = pushBody({ service_name: 'dedup' }, ['beacon']);
    await postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-2` });
    const beacon = await send(`${stack.url}?batch=${ID}-2`, { headers: { 'content-type': 'text/plain;charset=UTF-8' }, body });
    expect(beacon.status).toBe(204);
    expect(forwarded() - before).toBe(1);
  });

  it('the header wins over ?batch=', async () => {
    const before = forwarded();
    const body = pushBody({ service_name: 'dedup' }, ['header wins']);
    await postPush(`${stack.url}?batch=${ID}-query`, body, { 'x-cloudlog-batch-id': `${ID}-header` });
    await postPush(`${stack.url}?batch=${ID}-other`, body, { 'x-cloudlog-batch-id': `${ID}-header` });
    await postPush(`${stack.url}?batch=${ID}-query`, body);
    expect(forwarded() - before).toBe(2);
  });

  it('a failed forward stays retryable: the resend of the same batch is forwarded and stored', async () => {
    stack.fault!.setPlan(plans.firstN(1, { kind: 'status', status: 503 }));
    const body = pushBody({ service_name: 'dedup' }, ['after a failure']);
    const first = await postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-3` });
    expect(first.status).toBe(503);
    const retry = await postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-3` });
    expect(retry.status).toBe(204);
    expect(stack.fault!.log.slice(-2).map((entry) => entry.action)).toEqual(['status', 'pass']);
    expect(stack.receiver.entries({ service_name: 'dedup' }).map((e) => e.line)).toEqual(['after a failure']);
  });

  it('two copies at once (beacon and fetch): one is forwarded, both hear 204', async () => {
    stack.fault!.setPlan(plans.always({ kind: 'delay', ms: 150, then: { kind: 'pass' } }));
    const before = forwarded();
    const body = pushBody({ service_name: 'dedup' }, ['raced']);
    const answers = await Promise.all([postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-4` }), postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-4` })]);
    expect(answers.map((a) => a.status)).toEqual([204, 204]);
    expect(forwarded() - before).toBe(1);
  });

  it('a copy that raced a failed forward is asked to send again', async () => {
    stack.fault!.setPlan(plans.always({ kind: 'delay', ms: 150, then: { kind: 'status', status: 500 } }));
    const body = pushBody({ service_name: 'dedup' }, ['raced a failure']);
    const answers = await Promise.all([postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-5` }), postPush(stack.url, body, { 'x-cloudlog-batch-id': `${ID}-5` })]);
    expect(answers.map((a) => a.status)).toEqual([503, 503]);
    expect(answers.every((a) => a.headers['retry-after'] !== undefined)).toBe(true);
  });

  it('pushes without an id are never deduplicated', async () => {
    const before = forwarded();
    const body = pushBody({ service_name: 'dedup' }, ['no id']);
    await postPush(stack.url, body);
    await postPush(stack.url, body);
    expect(forwarded() - before).toBe(2);
  });
});
