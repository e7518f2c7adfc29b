/**
 * cloudlog-proxy with a real browser: Debian's Chromium loads a page (strict CSP) from one origin
 * and posts to the proxy on another — through the script-tag SDK (gzip'd fetch: preflighted, since
 * it sends Content-Encoding and X-Cloudlog-Batch-Id) and by `navigator.sendBeacon` with `?batch=`
 * (text/plain: no preflight, so the proxy's own origin check is what keeps other sites out). The
 * proxy is the built `dist/proxy.js`, served by Node's http, in front of the Loki-rules receiver.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyHandler, toNodeListener } from '../dist/proxy.js';
import type { LokiReceiver } from '../test/support/loki-receiver.js';
import { expect, expectCleanPage, parsed, runPage, test } from './support/fixtures.js';
import type { StaticSite } from './support/static-server.js';

interface RunningProxy {
  url: string;
  origin: string;
  handler: ReturnType<typeof createProxyHandler>;
  /** Every request the proxy got, as the browser sent it. */
  seen: Array<{ method: string; url: string; contentType: string | undefined; batchHeader: string | undefined }>;
  close(): Promise<void>;
}

async function startProxy(receiver: LokiReceiver, options: Parameters<typeof createProxyHandler>[0]): Promise<RunningProxy> {
  const handler = createProxyHandler({ lokiUrl: receiver.url, ...options });
  const listener = toNodeListener(handler);
  const seen: RunningProxy['seen'] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', contentType: req.headers['content-type'], batchHeader: req.headers['x-cloudlog-batch-id'] as string | undefined });
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/loki/api/v1/push`,
    origin,
    handler,
    seen,
    async close() {
      await handler.close(1000);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The value of one series on the proxy's /metrics. */
function metric(proxy: RunningProxy, series: string): number {
  const line = proxy.handler.metrics().split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const BATCH_ID = 'beacon-e2e-0123456789';

/** Page-script source: a beacon of one entry for `service`, with a batch id in the query. */
const beacon = (proxyUrl: string, service: string, line: string) => `navigator.sendBeacon(${JSON.stringify(`${proxyUrl}?batch=${BATCH_ID}`)},
    new Blob([JSON.stringify({ streams: [{ stream: { service_name: ${JSON.stringify(service)} }, values: [[String(Date.now()) + '000000', ${JSON.stringify(line)}]] }] })], { type: 'text/plain;charset=UTF-8' }))`;

function page(site: StaticSite, proxy: RunningProxy, name: string, body: string): string {
  site.script(`/${name}.js`, `'use strict';\nwindow.e2eResult = (async () => {\n${body}\n})();\n`);
  return site.page(`/${name}.html`, { scripts: ['/dist/cloudlog.min.js', `/${name}.js`], connectSrc: [proxy.origin] });
}

test.describe('cloudlog-proxy in Chromium', () => {
  let proxy: RunningProxy;
  test.afterEach(async () => {
    await proxy.close();
  });

  test('the script-tag SDK posts cross-origin through the proxy: preflighted, stored once, in order', async ({ page: tab, site, receiver, problems }) => {
    proxy = await startProxy(receiver, { corsOrigins: [site.origin], forcedLabels: { source: 'browser' } });
    expect(proxy.origin).not.toBe(site.origin);
    const url = page(
      site,
      proxy,
      'sdk',
      `const log = cloudlog.createLogger({ url: ${JSON.stringify(proxy.url)}, labels: { service_name: 'e2e-proxy' } });
  for (let i = 0; i < 300; i++) log.info('click', { i });
  log.error('failed', { err: new Error('boom') });
  const flushed = await log.flush(10000);
  return { flushed, stats: log.stats() };`,
    );
    const result = await runPage<{ flushed: boolean; stats: { sent: number; dropped: { total: number } } }>(tab, url);
    expect(result.flushed).toBe(true);
    expect(result.stats).toMatchObject({ sent: 301, dropped: { total: 0 } });

    const stored = receiver.entries({ service_name: 'e2e-proxy' });
    expect(stored).toHaveLength(301);
    expect(stored[0]!.stream).toEqual({ service_name: 'e2e-proxy', source: 'browser' });
    expect(stored.slice(0, 300).map((entry) => parsed(entry).i)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(parsed(stored[300]!)).toMatchObject({ level: 'error', msg: 'failed', err: { name: 'Error', message: 'boom' } });
    // The SDK's gzip + batch-id fetch is not CORS-simple: the browser asked first, and the proxy said yes.
    expect(metric(proxy, 'cloudlog_proxy_requests_total{route="preflight",status="204"}')).toBeGreaterThanOrEqual(1);
    expect(metric(proxy, 'cloudlog_proxy_requests_total{route="push",status="204"}')).toBeGreaterThanOrEqual(1);
    for (const push of proxy.seen.filter((request) => request.method === 'POST')) expect(push.batchHeader).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    await expectCleanPage(tab, problems);
  });

  test('a beacon with ?batch= is stored; the same batch again is answered without forwarding', async ({ page: tab, site, receiver, problems }) => {
    proxy = await startProxy(receiver, { corsOrigins: [site.origin] });
    const url = page(site, proxy, 'beacon', `return { queued: ${beacon(proxy.url, 'e2e-beacon', 'sent by beacon')} };`);
    expect(await runPage<{ queued: boolean }>(tab, url)).toEqual({ queued: true });
    const [entry] = await receiver.waitForEntries(1, { match: { service_name: 'e2e-beacon' } });
    expect(entry!.line).toBe('sent by beacon');
    const forwarded = receiver.requests.length;

    // The next page resends the same batch (it never heard the answer): dropped by id.
    expect(await tab.evaluate(`${beacon(proxy.url, 'e2e-beacon', 'sent by beacon')}`)).toBe(true);
    await expect.poll(() => metric(proxy, 'cloudlog_proxy_dedup_hits_total')).toBe(1);
    expect(receiver.requests).toHaveLength(forwarded);
    expect(receiver.entries({ service_name: 'e2e-beacon' })).toHaveLength(1);
    await expectCleanPage(tab, problems);
  });

  test("a page from an origin that is not allowed: the SDK's fetch is blocked, its beacon refused, nothing stored", async ({ page: tab, site, receiver }) => {
    proxy = await startProxy(receiver, { corsOrigins: ['https://app.example.com'] });
    const url = page(
      site,
      proxy,
      'refused',
      `const log = cloudlog.createLogger({ url: ${JSON.stringify(proxy.url)}, labels: { service_name: 'e2e-refused' }, retryBaseMs: 50 });
  log.info('not from here');
  const flushed = await log.flush(1500);
  const queued = ${beacon(proxy.url, 'e2e-refused', 'beacon from a stranger')};
  return { flushed, queued, lastError: log.stats().lastError && log.stats().lastError.message };`,
    );
    const result = await runPage<{ flushed: boolean; queued: boolean; lastError: string | null }>(tab, url);
    expect(result.flushed).toBe(false);
    expect(result.lastError).toMatch(/push failed/);
    expect(result.queued).toBe(true);
    // The beacon needs no preflight, so it reached the proxy — which refused it itself.
    await expect.poll(() => metric(proxy, 'cloudlog_proxy_requests_rejected_total{reason="origin_not_allowed"}')).toBeGreaterThanOrEqual(1);
    expect(metric(proxy, 'cloudlog_proxy_requests_total{route="preflight",status="403"}')).toBeGreaterThanOrEqual(1);
    expect(receiver.requests).toHaveLength(0);
  });

  test('a rate-limited page can read Retry-After and Date cross-origin', async ({ page: tab, site, receiver, problems }) => {
    const frozen = Date.now();
    proxy = await startProxy(receiver, { corsOrigins: [site.origin], rateLimitPerSecond: 1, rateLimitBurst: 1, now: () => frozen });
    const url = page(
      site,
      proxy,
      'limited',
      `const post = () => fetch(${JSON.stringify(proxy.url)}, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"streams":[]}' });
  const first = await post();
  const second = await post();
  return { first: first.status, second: second.status, retryAfter: second.headers.get('retry-after'), date: second.headers.get('date') };`,
    );
    const result = await runPage<{ first: number; second: number; retryAfter: string | null; date: string | null }>(tab, url);
    expect(result).toMatchObject({ first: 204, second: 429, retryAfter: '1' });
    expect(Number.isNaN(Date.parse(result.date ?? ''))).toBe(false);
    // The 429 is the page's business, not an error of the page.
    problems.consoleErrors = problems.consoleErrors.filter((message) => !message.includes('429'));
    await expectCleanPage(tab, problems);
  });

  test("the SDK's page-exit send (keepalive, text/plain, ?batch=) is stored, once, when the tab goes away", async ({ page: tab, site, receiver }) => {
    proxy = await startProxy(receiver, { corsOrigins: [site.origin] });
    const url = page(
      site,
      proxy,
      'exit',
      `const log = cloudlog.createLogger({ url: ${JSON.stringify(proxy.url)}, labels: { service_name: 'e2e-exit' }, flushIntervalMs: 600000 });
  for (let i = 0; i < 20; i++) log.info('before leaving', { i });
  return { queued: log.stats().queued };`,
    );
    expect(await runPage<{ queued: number }>(tab, url)).toEqual({ queued: 20 });
    expect(receiver.requests).toHaveLength(0);
    // Leaving the page: pagehide / visibilitychange → hidden. The SDK sends what it holds on its way out.
    await tab.goto('about:blank');
    const stored = await receiver.waitForEntries(20, { match: { service_name: 'e2e-exit' } });
    expect(stored.map((entry) => parsed(entry).i)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    // Loki stores before it answers; the proxy counts once it hears the answer.
    await expect.poll(() => metric(proxy, 'cloudlog_proxy_entries_accepted_total')).toBe(20);
    // It went the page-exit way: a CORS-simple POST (no preflight) carrying its batch id in the query.
    const pushes = proxy.seen.filter((request) => request.method === 'POST');
    expect(pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes[0]).toMatchObject({ url: expect.stringMatching(/^\/loki\/api\/v1\/push\?batch=[A-Za-z0-9_-]{16,64}$/), contentType: 'text/plain;charset=UTF-8', batchHeader: undefined });
  });
});
