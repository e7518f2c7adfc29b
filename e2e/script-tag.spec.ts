/**
 * The CDN build in a page with a strict CSP: `<script src="/dist/cloudlog.min.js">` defines
 * `window.cloudlog`, a page script logs, and the receiver (another origin: CORS) stores exactly
 * what was logged.
 */
import { expect, expectCleanPage, nanoseconds, parsed, runPage, test } from './support/fixtures.js';

interface PageResult {
  flushed: boolean;
  stats: { sent: number; enqueued: number; dropped: { total: number }; queued: number };
  errStack: string;
  causeStack: string;
}

const PAGE_SCRIPT = (pushUrl: string) => `'use strict';
window.e2eResult = (async () => {
  const log = cloudlog.createLogger({ url: ${JSON.stringify(pushUrl)}, labels: { service_name: 'e2e' } });

  log.info('page loaded', { path: location.pathname, userId: 42, nested: { tags: ['a', 'b'], ok: true } });

  const cause = new TypeError('card declined');
  const err = new Error('payment failed', { cause });
  log.error('payment failed', { err, orderId: 'A-17' });

  const checkout = log.child({ component: 'checkout' });
  checkout.warn('slow render', { ms: 840 });

  // Logged back to back, same millisecond most likely: Loki would merge them if their timestamps matched.
  log.info('same line twice');
  log.info('same line twice');

  const flushed = await log.flush(10000);
  return { flushed, stats: log.stats(), errStack: err.stack, causeStack: cause.stack };
})();
`;

test('script tag: entries arrive cross-origin, once, in order, with their fields', async ({ page, site, receiver, problems }) => {
  site.script('/script-tag.js', PAGE_SCRIPT(receiver.url));
  const url = site.page('/script-tag.html', { scripts: ['/dist/cloudlog.min.js', '/script-tag.js'], connectSrc: [receiver.origin] });
  expect(receiver.origin).not.toBe(site.origin);

  const result = await runPage<PageResult>(page, url);
  expect(result.flushed).toBe(true);
  expect(result.stats).toMatchObject({ enqueued: 5, sent: 5, queued: 0, dropped: { total: 0 } });

  const entries = receiver.entries({ service_name: 'e2e' });
  expect(entries).toHaveLength(5);
  for (const entry of entries) expect(entry.stream).toEqual({ service_name: 'e2e' });

  // The receiver sorts by timestamp: log order and timestamp order must agree, strictly.
  const ts = nanoseconds(entries);
  for (let i = 1; i < ts.length; i++) expect(ts[i]! > ts[i - 1]!, `ts[${i}] ${ts[i]} > ts[${i - 1}] ${ts[i - 1]}`).toBe(true);

  const lines = entries.map(parsed);
  expect(lines[0]).toEqual({ level: 'info', msg: 'page loaded', path: '/script-tag.html', userId: 42, nested: { tags: ['a', 'b'], ok: true } });
  expect(lines[1]).toEqual({
    level: 'error',
    msg: 'payment failed',
    orderId: 'A-17',
    err: {
      name: 'Error',
      message: 'payment failed',
      stack: result.errStack,
      cause: { name: 'TypeError', message: 'card declined', stack: result.causeStack },
    },
  });
  expect(result.errStack).toContain('payment failed');
  expect(lines[2]).toEqual({ level: 'warn', msg: 'slow render', component: 'checkout', ms: 840 });
  // Both identical lines are kept: distinct timestamps, so Loki did not merge them.
  expect(lines[3]).toEqual({ level: 'info', msg: 'same line twice' });
  expect(entries[4]!.line).toBe(entries[3]!.line);
  expect(ts[4]! > ts[3]!).toBe(true);

  // What went over the wire: cross-origin JSON pushes from the page, all stored.
  expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
  for (const request of receiver.requests) {
    expect(request.status).toBe(204);
    expect(request.headers.origin).toBe(site.origin);
    expect(request.headers['content-type']).toBe('application/json');
  }

  await expectCleanPage(page, problems);
});

test('the CSP watchdog itself sees a violation (so a clean page means something)', async ({ page, site, receiver, problems }) => {
  site.script('/violate.js', `'use strict';
window.e2eResult = fetch('http://127.0.0.1:9/not-allowed').then(() => 'fetched', (error) => error.name);
`);
  const url = site.page('/violate.html', { scripts: ['/violate.js'], connectSrc: [receiver.origin] });
  expect(await runPage<string>(page, url)).toBe('TypeError');
  await expect.poll(() => page.evaluate(() => window.cspViolations?.map((v) => v.directive))).toEqual(['connect-src']);
  expect(problems.consoleErrors.some((text) => text.includes('Content Security Policy'))).toBe(true);
});
