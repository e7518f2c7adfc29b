/**
 * The handler as runtimes other than the CLI use it: called with a Web `Request` (Next.js route
 * handlers, Hono, Workers, Deno, Bun), and as Express/Connect-style middleware on Node's http.
 * Plus its lifecycle: /ready, /metrics, close() draining the requests in progress.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSink } from '../../src/proxy/local-sink.js';
import { createProxyHandler } from '../../src/proxy/create-proxy-handler.js';
import { toNodeListener } from '../../src/proxy/node-listener.js';
import { plans } from '../support/fault-proxy.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { metric, pushBody, send, startStack, until } from './stack.js';

let receiver: LokiReceiver;
beforeAll(async () => {
  receiver = await startLokiReceiver({ flavor: '3' });
});
afterAll(() => receiver.close());

const request = (body: string, init: { headers?: Record<string, string>; url?: string } = {}) =>
  new Request(init.url ?? 'https://logs.example.com/loki/api/v1/push', { method: 'POST', headers: { 'content-type': 'application/json', ...init.headers }, body });

describe('the Web-standard handler', () => {
  it('stores a push and answers 204 with no body', async () => {
    const proxy = createProxyHandler({ lokiUrl: receiver.url });
    const response = await proxy(request(pushBody({ service_name: 'web-handler' }, ['hello'])));
    expect(response.status).toBe(204);
    expect(response.body).toBeNull();
    expect(receiver.entries({ service_name: 'web-handler' }).map((e) => e.line)).toEqual(['hello']);
  });

  it('works as a Next.js route handler, which passes { params } second', async () => {
    const proxy = createProxyHandler({ lokiUrl: receiver.url });
    const POST = proxy;
    const response = await POST(request(pushBody({ service_name: 'next' }, ['x'])), { params: Promise.resolve({}) });
    expect(response.status).toBe(204);
  });

  it('rate-limits by the clientAddress a runtime passes (Deno info.remoteAddr, Bun requestIP)', async () => {
    const proxy = createProxyHandler({ lokiUrl: receiver.url, rateLimitPerSecond: 1, rateLimitBurst: 1, now: () => Date.now() });
    const body = () => pushBody({ service_name: 'deno' }, ['x']);
    expect((await proxy(request(body()), { clientAddress: '192.0.2.1' })).status).toBe(204);
    const limited = await proxy(request(body()), { clientAddress: '192.0.2.1' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect((await proxy(request(body()), { clientAddress: '192.0.2.2' })).status).toBe(204);
  });

  it('does not rate-limit clients it cannot tell apart (one bucket would throttle everyone), and warns once', async () => {
    const events: unknown[] = [];
    const proxy = createProxyHandler({ lokiUrl: receiver.url, rateLimitPerSecond: 1, rateLimitBurst: 1, onEvent: (event) => events.push(event) });
    for (let i = 0; i < 3; i++) expect((await proxy(request(pushBody({ service_name: 'anonymous' }, ['x'])))).status).toBe(204);
    expect(events).toEqual([{ type: 'warning', message: expect.stringContaining('rate limiting is off until you pass { clientAddress } or set clientAddressHeader') }]);
  });

  it('reads the client from a header only when told to (Workers: cf-connecting-ip)', async () => {
    const proxy = createProxyHandler({ lokiUrl: receiver.url, rateLimitPerSecond: 1, rateLimitBurst: 1, clientAddressHeader: 'cf-connecting-ip' });
    const send1 = (ip: string) => proxy(request(pushBody({ service_name: 'worker' }, ['x']), { headers: { 'cf-connecting-ip': ip } }));
    expect((await send1('198.51.100.1')).status).toBe(204);
    expect((await send1('198.51.100.1')).status).toBe(429);
    expect((await send1('198.51.100.2')).status).toBe(204);
  });

  it('answers its other routes: /ready, /metrics, 404', async () => {
    const proxy = createProxyHandler({ sink: createLocalSink({ output: false }) });
    const ready = await proxy(new Request('http://x/ready'));
    expect([ready.status, await ready.text()]).toEqual([200, 'ready\n']);
    const metrics = await proxy(new Request('http://x/metrics'));
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await metrics.text();
    for (const name of [
      'cloudlog_proxy_requests_total',
      'cloudlog_proxy_requests_rejected_total',
      'cloudlog_proxy_entries_accepted_total',
      'cloudlog_proxy_entries_rejected_total',
      'cloudlog_proxy_received_bytes_total',
      'cloudlog_proxy_upstream_sent_bytes_total',
      'cloudlog_proxy_upstream_duration_seconds',
      'cloudlog_proxy_dedup_hits_total',
      'cloudlog_proxy_rate_limited_total',
      'cloudlog_proxy_in_flight_requests',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(metric(text, 'cloudlog_proxy_requests_total{route="ready",status="200"}')).toBe(1);
    expect((await proxy(new Request('http://x/elsewhere'))).status).toBe(404);
  });

  it('paths can be moved, and /metrics turned off', async () => {
    const proxy = createProxyHandler({ sink: createLocalSink({ output: false }), pushPath: '/api/logs', metricsPath: false });
    expect((await proxy(request(pushBody({ a: 'b' }, ['x']), { url: 'http://x/api/logs' }))).status).toBe(204);
    expect((await proxy(new Request('http://x/metrics'))).status).toBe(404);
  });

  it('close(): /ready says 503, a push in progress finishes, a new one is told to retry', async () => {
    const stack = await startStack({ fault: plans.always({ kind: 'delay', ms: 200, then: { kind: 'pass' } }), proxy: { rateLimitPerSecond: 0 } });
    try {
      const proxy = stack.handler;
      const inProgress = proxy(request(pushBody({ service_name: 'drain' }, ['in progress'])));
      await until(() => stack.fault!.log.length === 1, 'the push to reach Loki');
      expect(proxy.inFlight).toBe(1);
      const closed = proxy.close(5000);
      const late = await proxy(request(pushBody({ service_name: 'drain' }, ['too late'])));
      expect(late.status).toBe(503);
      expect(late.headers.get('retry-after')).toBe('1');
      expect((await proxy(new Request('http://x/ready'))).status).toBe(503);
      expect((await inProgress).status).toBe(204);
      await closed;
      expect(stack.receiver.entries({ service_name: 'drain' }).map((e) => e.line)).toEqual(['in progress']);
    } finally {
      await stack.close();
    }
  });

  it('close() gives up on Loki after its timeout and tells the client to retry', async () => {
    const stack = await startStack({ fault: plans.always({ kind: 'hang' }), proxy: { rateLimitPerSecond: 0, upstreamTimeoutMs: 60_000 } });
    try {
      const stuck = stack.handler(request(pushBody({ service_name: 'drain' }, ['stuck'])));
      await until(() => stack.fault!.log.length === 1, 'the push to reach Loki');
      await stack.handler.close(100);
      const answer = await stuck;
      expect(answer.status).toBe(503);
      expect(await answer.text()).toContain('the proxy is shutting down');
    } finally {
      await stack.close();
    }
  });
});

describe('toNodeListener as Express/Connect middleware', () => {
  let server: Server;
  let origin: string;
  beforeAll(async () => {
    const proxy = createProxyHandler({ lokiUrl: receiver.url });
    const middleware = toNodeListener(proxy);
    // What Express does: each middleware gets (req, res, next); the app's own route comes after.
    server = createServer((req, res) => middleware(req, res, () => res.writeHead(200, { 'content-type': 'text/plain' }).end('the app')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('serves the push path and passes other paths to next()', async () => {
    expect((await send(`${origin}/loki/api/v1/push`, { headers: { 'content-type': 'application/json' }, body: pushBody({ service_name: 'express' }, ['via middleware']) })).status).toBe(204);
    expect(receiver.entries({ service_name: 'express' }).map((e) => e.line)).toEqual(['via middleware']);
    expect(await send(`${origin}/about`, { method: 'GET' })).toMatchObject({ status: 200, text: 'the app' });
  });

  it('refuses a handler it did not make, at setup', () => {
    expect(() => toNodeListener((async () => new Response()) as never)).toThrow('toNodeListener takes a handler made by createProxyHandler()');
  });
});
