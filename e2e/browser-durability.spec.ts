/**
 * Browser durability in real Chromium, against the built script-tag bundle, under a strict CSP:
 * nothing logged is lost to a closed tab, a reload, an outage, two tabs, a missing IndexedDB,
 * going offline or a wrong clock — and nothing arrives twice. Pushes go through the real
 * cloudlog-proxy (behind a switch that can take it down) to the Loki-rules receiver, whose merging
 * of identical entries is Loki's; counts are asserted after it.
 */
import type { BrowserContext, Page } from '@playwright/test';
import type { LokiReceiver } from '../test/support/loki-receiver.js';
import { expect, parsed, test } from './support/fixtures.js';
import { startPushGateway, type PushGateway } from './support/push-gateway.js';
import type { StaticSite } from './support/static-server.js';

test.describe.configure({ timeout: 60_000 });

let gateway: PushGateway;
test.beforeEach(async ({ receiver }) => {
  gateway = await startPushGateway(receiver.url);
});
test.afterEach(async () => {
  await gateway.close();
});

/**
 * A page that creates a logger for the gateway and runs `body` (page-script source; `log` is in
 * scope). `window.e2eResult` is what `body` leaves in `result`.
 */
function durablePage(site: StaticSite, name: string, body: string, loggerOptions = ''): string {
  site.script(
    `/${name}.js`,
    `'use strict';
const log = cloudlog.createLogger({ url: ${JSON.stringify(gateway.url)}, labels: { service_name: 'durable' }${loggerOptions} });
window.log = log;
let result;
window.e2eResult = (async () => { ${body}; return result ?? null; })();`,
  );
  return site.page(`/${name}.html`, { scripts: ['/dist/cloudlog.min.js', `/${name}.js`], connectSrc: [gateway.origin] });
}

async function open(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await page.goto(url);
  await page.waitForFunction(() => window.e2eResult !== undefined);
  await page.evaluate(() => window.e2eResult);
  return page;
}

/** Every i in [0, n) of `tab` stored exactly once. */
function expectEachOnce(receiver: LokiReceiver, tab: string, n: number): void {
  const seen = receiver
    .entries({ service_name: 'durable' })
    .map(parsed)
    .filter((line) => line.tab === tab)
    .map((line) => line.i as number)
    .sort((a, b) => a - b);
  expect(seen).toEqual(Array.from({ length: n }, (_, i) => i));
}

const logN = (tab: string, n: number) => `for (let i = 0; i < ${n}; i++) log.info('click', { tab: ${JSON.stringify(tab)}, i });`;

test('log 500 and close the tab at once: all 500 arrive, sent as the page went away', async ({ page, site, receiver }) => {
  // A long interval: only the page exit can send them.
  const url = durablePage(site, 'close-at-once', `${logN('a', 500)} result = log.stats().enqueued;`, ', flushIntervalMs: 60000');
  await page.goto(url);
  expect(await page.evaluate(() => window.e2eResult)).toBe(500);
  await page.close();
  await receiver.waitForEntries(500, { match: { service_name: 'durable' }, timeoutMs: 15_000 });
  expectEachOnce(receiver, 'a', 500);
  await expect.poll(() => gateway.requests.map((r) => `${r.via}:${r.status}`)).toContain('exit:204');
  expect(gateway.requests.every((r) => r.via === 'exit')).toBe(true);
});

test('endpoint down, log, close the tab; endpoint back, open a page: everything arrives once', async ({ context, site, receiver }) => {
  gateway.down = true;
  const first = await open(context, durablePage(site, 'down-first', logN('a', 300)));
  // Let the logger try (and fail) at least once, so its batches are stored and waiting.
  await expect.poll(() => gateway.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  await first.close();
  gateway.down = false;

  await open(context, durablePage(site, 'down-next', `log.info('next page', { tab: 'b', i: 0 });`));
  await receiver.waitForEntries(301, { match: { service_name: 'durable' }, timeoutMs: 20_000 });
  expectEachOnce(receiver, 'a', 300);
  expectEachOnce(receiver, 'b', 1);
});

test('reload in the middle of sending: everything arrives once', async ({ context, site, receiver }) => {
  gateway.slowMs = 300;
  const url = durablePage(
    site,
    'reload',
    `if (!sessionStorage.getItem('logged')) { sessionStorage.setItem('logged', '1'); ${logN('a', 3000)} }`,
    ', maxBatchEntries: 500, flushIntervalMs: 50',
  );
  const page = await open(context, url);
  await expect.poll(() => gateway.requests.length).toBeGreaterThan(0); // a batch is on its way
  await page.reload();
  await page.waitForFunction(() => window.e2eResult !== undefined);
  await receiver.waitForEntries(3000, { match: { service_name: 'durable' }, timeoutMs: 30_000 }).catch(async (error: Error) => {
    const stats = await page.evaluate(() => (window as unknown as { log: { stats(): unknown } }).log.stats());
    throw new Error(`${error.message}\ngateway: ${JSON.stringify(gateway.requests)}\nstats after reload: ${JSON.stringify(stats)}`);
  });
  expectEachOnce(receiver, 'a', 3000);
});

test('an endpoint that does not answer in time: the push is abandoned, resent, and arrives once', async ({ page, site, receiver }) => {
  // The script bundle posts with fetch + AbortController, not ky: its timeout must abort and retry.
  gateway.slowMs = 2000;
  const url = durablePage(site, 'timeout', `${logN('a', 50)}; result = await log.flush(30000)`, ', requestTimeoutMs: 500');
  const flushed = page.goto(url).then(() => page.waitForFunction(() => window.e2eResult !== undefined)).then(() => page.evaluate(() => window.e2eResult));
  await expect.poll(() => gateway.requests.length).toBeGreaterThan(0);
  gateway.slowMs = 0;
  expect(await flushed).toBe(true);
  const stats = await page.evaluate(() => (window as unknown as { log: { stats(): { sent: number; retries: number; lastError?: { message: string } } } }).log.stats());
  expect(stats.sent).toBe(50);
  expect(stats.retries).toBeGreaterThanOrEqual(1);
  expect(stats.lastError?.message).toBe('push timed out after 500 ms');
  // The abandoned request still reached Loki later; its resend carried the same batch id.
  const ids = gateway.requests.map((r) => r.batchId);
  expect(ids.length).toBeGreaterThanOrEqual(2);
  expect(new Set(ids).size).toBe(1);
  await receiver.waitForEntries(50, { match: { service_name: 'durable' }, timeoutMs: 10_000 });
  expectEachOnce(receiver, 'a', 50);
});

test('two tabs log while the endpoint is down, both close, one page opens: all arrive exactly once', async ({ context, site, receiver }) => {
  gateway.down = true;
  const a = await open(context, durablePage(site, 'tab-a', logN('a', 400)));
  const b = await open(context, durablePage(site, 'tab-b', logN('b', 400)));
  // Both have tried to send (and found the endpoint down) before they close.
  await expect.poll(() => new Set(gateway.requests.filter((r) => r.status === 503).map((r) => r.batchId)).size).toBeGreaterThanOrEqual(2);
  await Promise.all([a.close(), b.close()]);
  gateway.down = false;
  await open(context, durablePage(site, 'tab-c', ''));
  await receiver.waitForEntries(800, { match: { service_name: 'durable' }, timeoutMs: 20_000 });
  expectEachOnce(receiver, 'a', 400);
  expectEachOnce(receiver, 'b', 400);
});

test('two tabs open while the endpoint comes back: no batch is sent by both', async ({ context, site, receiver }) => {
  gateway.down = true;
  const a = await open(context, durablePage(site, 'left-a', logN('a', 1000), ', maxBatchEntries: 100'));
  await expect.poll(() => gateway.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  await a.close();
  const c = await open(context, durablePage(site, 'open-c', ''));
  const d = await open(context, durablePage(site, 'open-d', ''));
  gateway.down = false;
  await receiver.waitForEntries(1000, { match: { service_name: 'durable' }, timeoutMs: 30_000 });
  expectEachOnce(receiver, 'a', 1000);
  // Each batch was accepted once: no two tabs delivered the same batch.
  const accepted = gateway.requests.filter((r) => r.status === 204 && r.via === 'fetch').map((r) => r.batchId);
  expect(accepted.length, JSON.stringify(gateway.requests)).toBeGreaterThan(3);
  expect(new Set(accepted).size).toBe(accepted.length);
  await Promise.all([c.close(), d.close()]);
});

test('IndexedDB missing or failing: still delivered from memory, failures counted', async ({ context, site, receiver }) => {
  const missing = await context.newPage();
  await missing.addInitScript(() => Object.defineProperty(window, 'indexedDB', { value: undefined }));
  await missing.goto(durablePage(site, 'no-idb', `${logN('a', 100)} await log.flush(10000); result = log.stats();`));
  await missing.waitForFunction(() => window.e2eResult !== undefined);
  expect(await missing.evaluate(() => window.e2eResult)).toMatchObject({ sent: 100, storageErrors: 0, dropped: { total: 0 } });

  const broken = await context.newPage();
  await broken.addInitScript(() => {
    indexedDB.open = () => {
      throw new DOMException('The user denied permission to access the database.', 'InvalidStateError');
    };
  });
  await broken.goto(durablePage(site, 'broken-idb', `${logN('b', 100)} await log.flush(10000); result = log.stats();`));
  await broken.waitForFunction(() => window.e2eResult !== undefined);
  const stats = (await broken.evaluate(() => window.e2eResult)) as { sent: number; storageErrors: number };
  expect(stats.sent).toBe(100);
  expect(stats.storageErrors).toBeGreaterThan(0);
  expectEachOnce(receiver, 'a', 100);
  expectEachOnce(receiver, 'b', 100);
});

test('without Web Locks (older Safari): still stored, delivered, and adopted by the next page', async ({ context, site, receiver }) => {
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'locks', { get: () => undefined }));
  gateway.down = true;
  const first = await open(context, durablePage(site, 'no-locks-a', logN('a', 200)));
  await expect.poll(() => gateway.requests.filter((r) => r.status === 503).length).toBeGreaterThan(0);
  await first.close();
  gateway.down = false;
  const next = await open(context, durablePage(site, 'no-locks-b', `${logN('b', 10)} await log.flush(10000); result = log.stats();`));
  await receiver.waitForEntries(210, { match: { service_name: 'durable' }, timeoutMs: 20_000 });
  expectEachOnce(receiver, 'a', 200);
  expectEachOnce(receiver, 'b', 10);
  expect(await next.evaluate(() => typeof navigator.locks)).toBe('undefined');
});

test('offline: paused, then delivered when back online', async ({ context, page, site, receiver }) => {
  await page.goto(durablePage(site, 'offline', '', ', flushIntervalMs: 50'));
  await page.waitForFunction(() => window.e2eResult !== undefined);
  await context.setOffline(true);
  await page.evaluate(() => {
    for (let i = 0; i < 200; i++) (window as unknown as { log: { info(m: string, f: object): void } }).log.info('click', { tab: 'a', i });
  });
  await page.waitForTimeout(1000);
  // Paused: no attempt while offline, nothing wasted on retries.
  expect(gateway.requests).toHaveLength(0);
  expect(await page.evaluate(() => (window as unknown as { log: { stats(): { retries: number; queued: number } } }).log.stats())).toMatchObject({ retries: 0, queued: 200 });
  await context.setOffline(false);
  await receiver.waitForEntries(200, { match: { service_name: 'durable' }, timeoutMs: 15_000 });
  expectEachOnce(receiver, 'a', 200);
});

test('page clock two hours ahead: entries are still accepted, in order', async ({ page, site, receiver }) => {
  await page.addInitScript(() => {
    const now = Date.now.bind(Date);
    Date.now = () => now() + 2 * 3600 * 1000;
  });
  const url = durablePage(site, 'skew', `${logN('a', 50)} await log.flush(15000); ${logN('b', 50)} await log.flush(15000); result = log.stats();`);
  await page.goto(url);
  await page.waitForFunction(() => window.e2eResult !== undefined);
  const stats = await page.evaluate(() => window.e2eResult);
  expect(stats).toMatchObject({ sent: 100, dropped: { total: 0 } });
  expectEachOnce(receiver, 'a', 50);
  expectEachOnce(receiver, 'b', 50);
  // Stored on the server's clock: within a minute of the test's own time.
  for (const entry of receiver.entries({ service_name: 'durable' })) {
    expect(Math.abs(Number(BigInt(entry.ts) / 1_000_000n) - Date.now())).toBeLessThan(60_000);
  }
});

test('a 10k burst causes no long task from the SDK', async ({ page, site, receiver }) => {
  // The burst is the app's own task (10k synchronous calls); what must not block the main thread
  // is the SDK's work after it: sealing, encoding, compressing, storing and sending 10k entries.
  const url = durablePage(
    site,
    'burst',
    `const longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push({ start: e.startTime, ms: Math.round(e.duration) }); }).observe({ type: 'longtask' });
await new Promise((r) => setTimeout(r, 200));
const start = performance.now();
${logN('a', 10000)}
const end = performance.now();
await log.flush(20000);
await new Promise((r) => setTimeout(r, 500));
const afterBurst = longTasks.filter((t) => t.start > end).map((t) => t.ms);
result = { afterBurst, burstMs: end - start, stats: log.stats() };`,
  );
  await page.goto(url);
  await page.waitForFunction(() => window.e2eResult !== undefined);
  const result = (await page.evaluate(() => window.e2eResult)) as { afterBurst: number[]; burstMs: number; stats: { sent: number } };
  expect(result.stats.sent).toBe(10_000);
  expect(result.afterBurst, `long tasks (ms) after the burst; the burst itself took ${result.burstMs.toFixed(1)} ms`).toEqual([]);
  test.info().annotations.push({ type: 'burst', description: `10k log calls took ${result.burstMs.toFixed(1)} ms` });
  expectEachOnce(receiver, 'a', 10_000);
});
