/**
 * The SDK and the proxy as users get them (dist/): a Node logger posting to the proxy, the proxy
 * forwarding to the Loki-rules receiver. What Loki stores is what was logged, once, in order —
 * with the proxy's forced label, and none of the SDK's batch ids or headers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../dist/index.js';
import { createProxyHandler, toNodeListener } from '../../dist/proxy.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { plans, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { metric } from './stack.js';

let receiver: LokiReceiver;
let fault: FaultProxy;
let server: Server;
let handler: ReturnType<typeof createProxyHandler>;
let url: string;

beforeAll(async () => {
  receiver = await startLokiReceiver({ flavor: '3' });
  fault = await startFaultProxy({ target: receiver.url });
  // Retry-After 1 s when Loki fails: the SDK waits what the proxy says.
  handler = createProxyHandler({ lokiUrl: fault.url, forcedLabels: { source: 'node' }, tenant: 'team-a', retryAfterSeconds: 1 });
  // The dist handler, served by Node's http through the dist adapter.
  server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/loki/api/v1/push`;
});
afterAll(async () => {
  await handler.close(1000);
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fault.close();
  await receiver.close();
});

describe('SDK → cloudlog-proxy → Loki', () => {
  it('stores every entry once, in order, with its fields and the forced label', async () => {
    const log = createLogger({ url, labels: { service_name: 'through-proxy' }, flushIntervalMs: 50, maxBatchEntries: 400 });
    for (let i = 0; i < 1000; i++) log.info('step', { i });
    log.error('failed', { err: new Error('boom') });
    expect(await log.flush(10_000)).toBe(true);
    expect(log.stats()).toMatchObject({ sent: 1001, dropped: { total: 0 } });
    await log.close();

    const stored = receiver.entries({ service_name: 'through-proxy' });
    expect(stored).toHaveLength(1001);
    expect(stored.slice(0, 1000).map((e) => (JSON.parse(e.line) as { i: number }).i)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(stored[0]!.stream).toEqual({ service_name: 'through-proxy', source: 'node' });
    expect(JSON.parse(stored[1000]!.line)).toMatchObject({ level: 'error', msg: 'failed', err: { name: 'Error', message: 'boom' } });
    // The SDK gzips and sends a batch id; Loki gets the proxy's gzip and tenant, no id.
    for (const request of receiver.requests) {
      expect(request.headers['x-cloudlog-batch-id']).toBeUndefined();
      expect(request.headers['x-scope-orgid']).toBe('team-a');
    }
    expect(metric(handler.metrics(), 'cloudlog_proxy_entries_accepted_total')).toBeGreaterThanOrEqual(1001);
  });

  it('rides out a Loki outage: retries on the proxy’s 503s, then everything arrives once', async () => {
    receiver.reset();
    fault.setPlan(plans.firstN(3, { kind: 'status', status: 503 }));
    const log = createLogger({ url, labels: { service_name: 'outage' }, flushIntervalMs: 20, retryBaseMs: 20, retryMaxMs: 100 });
    for (let i = 0; i < 50; i++) log.warn('during outage', { i });
    expect(await log.flush(10_000)).toBe(true);
    expect(log.stats()).toMatchObject({ sent: 50, dropped: { total: 0 } });
    expect(log.stats().retries).toBeGreaterThanOrEqual(1);
    await log.close();
    expect(receiver.entries({ service_name: 'outage' })).toHaveLength(50);
    fault.setPlan(plans.pass);
  });

  it("entries the proxy refuses are counted by the SDK as rejected, with the proxy's reason", async () => {
    // The Web-standard handler called in-process, as a Worker or Next.js would: the SDK's fetch is the handler.
    const strict = createProxyHandler({ lokiUrl: receiver.url, allowedLabels: ['service_name'] });
    const log = createLogger({
      url: 'https://logs.example.com/loki/api/v1/push',
      labels: { service_name: 'refused', user_id: '42' },
      fetch: async (input, init) => strict(new Request(input as string, init)),
    });
    log.info('never stored');
    expect(await log.flush(10_000)).toBe(true);
    await log.close();
    expect(log.stats()).toMatchObject({ sent: 0, dropped: { total: 1, rejected: 1 } });
    expect(log.stats().lastError?.message).toContain('label "user_id" is not allowed (allowed: service_name)');
    expect(receiver.entries({ service_name: 'refused' })).toEqual([]);
  });
});
