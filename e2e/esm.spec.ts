/**
 * The ES module build loaded natively by the browser, no bundler: `dist/index.js` imports the bare
 * specifier 'ky', which an import map resolves to ky's own ES modules. Under a strict CSP the
 * inline import map is allowed by its SHA-256 hash only (no 'unsafe-inline').
 */
import { sha256Source } from './support/static-server.js';
import { expect, expectCleanPage, parsed, runPage, test } from './support/fixtures.js';

interface PageResult {
  exports: string[];
  flushed: boolean;
  stats: { sent: number; dropped: { total: number } };
}

const PAGE_MODULE = (pushUrl: string) => `import * as cloudlog from '/dist/index.js';
import { createLogger } from '/dist/index.js';

window.e2eResult = (async () => {
  const log = createLogger({ url: ${JSON.stringify(pushUrl)}, labels: { service_name: 'e2e-esm' } });
  log.info('module loaded', { via: 'import map' });
  log.child({ component: 'cart' }).warn('cart is slow', { ms: 120 });
  const flushed = await log.flush(10000);
  return { exports: Object.keys(cloudlog).sort(), flushed, stats: log.stats() };
})();
`;

test('ES module + import map: entries arrive', async ({ page, site, receiver, problems }) => {
  const importMap = { imports: { ky: '/node_modules/ky/distribution/index.js', 'idb-keyval': '/node_modules/idb-keyval/dist/index.js' } };
  site.script('/esm.js', PAGE_MODULE(receiver.url));
  const url = site.page('/esm.html', { importMap, scripts: [{ src: '/esm.js', module: true }], connectSrc: [receiver.origin] });

  // The page allows exactly one inline script, by hash: the import map.
  const csp = site.cspOf('/esm.html') ?? '';
  expect(csp).toContain(`script-src 'self' ${sha256Source(JSON.stringify(importMap))}`);
  expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);

  const result = await runPage<PageResult>(page, url);
  expect(result.exports).toEqual(['CloudlogError', 'ConfigError', 'HttpError', 'createLogger']);
  expect(result.flushed).toBe(true);
  expect(result.stats).toMatchObject({ sent: 2, dropped: { total: 0 } });

  const entries = receiver.entries({ service_name: 'e2e-esm' });
  expect(entries.map(parsed)).toEqual([
    { level: 'info', msg: 'module loaded', via: 'import map' },
    { level: 'warn', msg: 'cart is slow', component: 'cart', ms: 120 },
  ]);
  // ky really came through the import map, from its own files.
  expect(site.requested).toContain('/node_modules/ky/distribution/index.js');
  expect(site.requested).not.toContain('/dist/cloudlog.min.js');

  await expectCleanPage(page, problems);
});

test('without its hash the import map is blocked: the CSP is really enforced', async ({ page, site, receiver, problems }) => {
  site.script('/esm.js', PAGE_MODULE(receiver.url));
  const url = site.page('/esm-unhashed.html', {
    importMap: { imports: { ky: '/node_modules/ky/distribution/index.js', 'idb-keyval': '/node_modules/idb-keyval/dist/index.js' } },
    allowImportMap: false,
    scripts: [{ src: '/esm.js', module: true }],
    connectSrc: [receiver.origin],
  });
  await page.goto(url);
  await expect.poll(() => page.evaluate(() => window.cspViolations?.map((v) => v.blockedURI))).toContain('inline');
  // 'ky' cannot resolve without the map, so the module graph fails and nothing is logged.
  await expect.poll(() => problems.consoleErrors.join('\n')).toMatch(/Content Security Policy/);
  expect(await page.evaluate(() => window.e2eResult)).toBeUndefined();
  expect(receiver.requests).toEqual([]);
});
