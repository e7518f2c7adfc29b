/**
 * cloudlog inside real framework apps: a React 19 app and a Vue 3 app (e2e/apps/), each built by
 * Vite for production from `import { createLogger } from 'cloudlog'` (through the package's
 * exports map to dist/), served under the strict CSP and clicked through by a user. They log from
 * mount hooks, click handlers, per-component child loggers and the frameworks' error handlers
 * (React's error boundary with `componentStack`, Vue's `app.config.errorHandler` with `info`);
 * the receiver must store exactly those entries, in order, with their fields.
 */
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';
import type { LokiReceiver, StoredEntry } from '../test/support/loki-receiver.js';
import { buildApp, serveApp, type AppName, type BuiltApp } from './support/apps.js';
import { expect, expectCleanPage, nanoseconds, parsed, test, type PageProblems } from './support/fixtures.js';

const require = createRequire(import.meta.url);
const versions = {
  react: (require('react/package.json') as { version: string }).version,
  vue: (require('vue/package.json') as { version: string }).version,
};

const apps = new Map<AppName, BuiltApp>();

test.beforeAll(async () => {
  test.setTimeout(60_000);
  for (const app of await Promise.all([buildApp('react'), buildApp('vue')])) apps.set(app.name, app);
});

function app(name: AppName): BuiltApp {
  const built = apps.get(name);
  if (built === undefined) throw new Error(`${name} app was not built`);
  return built;
}

/** A user clicks "Add item" twice, then the button that fails, then "Add item" once more. */
async function clickThrough(page: Page, afterFailure: () => Promise<void>): Promise<void> {
  const add = page.locator('#add');
  await expect(add).toHaveText('Add item (0)');
  await add.click();
  await expect(add).toHaveText('Add item (1)');
  await add.click();
  await expect(add).toHaveText('Add item (2)');
  await page.locator('#pay').click();
  await afterFailure();
  // The app goes on after the failure, and so does its logging.
  await add.click();
  await expect(add).toHaveText('Add item (3)');
}

/** Waits for `n` entries of the app's stream; then flushes the page and checks none came after. */
async function deliveredEntries(page: Page, receiver: LokiReceiver, service: string, n: number): Promise<StoredEntry[]> {
  // No flush first: the SDK's own batching (by age) delivers them.
  await receiver.waitForEntries(n, { match: { service_name: service }, timeoutMs: 10_000 });
  expect(await page.evaluate(() => window.e2eApp!.flush(10_000))).toBe(true);
  const stats = await page.evaluate(() => window.e2eApp!.stats());
  expect(stats).toMatchObject({ enqueued: n, sent: n, queued: 0, dropped: { total: 0 } });

  const entries = receiver.entries();
  expect(entries, 'exactly the entries logged, nothing more').toHaveLength(n);
  for (const entry of entries) expect(entry.stream).toEqual({ service_name: service });
  // Log order and timestamp order agree, strictly (the receiver sorts by timestamp).
  const ts = nanoseconds(entries);
  for (let i = 1; i < ts.length; i++) expect(ts[i]! > ts[i - 1]!, `ts[${i}] > ts[${i - 1}]`).toBe(true);
  return entries;
}

/** Cross-origin JSON pushes from the page, every one stored. */
function expectStoredPushes(receiver: LokiReceiver, origin: string): void {
  expect(receiver.requests.length).toBeGreaterThanOrEqual(1);
  for (const request of receiver.requests) {
    expect(request.status).toBe(204);
    expect(request.headers.origin).toBe(origin);
    expect(request.headers['content-type']).toBe('application/json');
  }
}

/** The page is clean, apart from console errors that match `expected` (each exactly once). */
async function expectCleanPageExcept(page: Page, problems: PageProblems, expected: RegExp[]): Promise<void> {
  const unexpected = problems.consoleErrors.filter((text) => !expected.some((pattern) => pattern.test(text)));
  for (const pattern of expected) {
    expect(problems.consoleErrors.filter((text) => pattern.test(text)), `console errors matching ${pattern}`).toHaveLength(1);
  }
  await expectCleanPage(page, { ...problems, consoleErrors: unexpected });
}

test('the apps are Vite production builds of the package, with CSP-clean HTML', () => {
  for (const name of ['react', 'vue'] as const) {
    const built = app(name);
    expect(built.warnings, `${name}: Vite warnings`).toEqual([]);
    expect(built.entryScripts).toHaveLength(1);
    // 'cloudlog' went through the package's exports map ("browser" condition) to its browser ESM
    // build, with idb-keyval bundled and no ky (the browser build posts with fetch).
    expect(built.moduleIds.some((id) => id.endsWith('/dist/browser.js'))).toBe(true);
    expect(built.moduleIds.some((id) => id.includes('/src/'))).toBe(false);
    expect(built.moduleIds.some((id) => id.includes('/node_modules/ky/'))).toBe(false);
    expect(built.moduleIds.some((id) => id.includes('/node_modules/idb-keyval/'))).toBe(true);
    for (const [path, code] of built.files) {
      // Production builds: no development-only framework code left in (a boolean, not the bundle, on failure).
      expect(code.includes('process.env.NODE_ENV'), `${path} mentions process.env.NODE_ENV`).toBe(false);
    }
  }
});

test('React: effects, clicks, a child logger per component and an error boundary', async ({ page, site, receiver, problems }) => {
  const url = serveApp(site, app('react'), receiver);
  expect(site.cspOf('/react/index.html')).not.toMatch(/unsafe-inline|unsafe-eval/);
  await page.goto(url);

  await clickThrough(page, async () => {
    await expect(page.locator('#fallback')).toHaveText('Checkout is unavailable');
    await expect(page.locator('#pay')).toHaveCount(0);
  });

  const entries = await deliveredEntries(page, receiver, 'e2e-react', 6);
  const caught = await page.evaluate(() => window.e2eApp!.caught);
  expect(caught).toHaveLength(1);
  const { stack, causeStack, componentStack } = caught[0] as { stack: string; causeStack: string; componentStack: string };

  expect(entries.map(parsed)).toEqual([
    // Effects run children first: Cart's before App's.
    { level: 'info', msg: 'cart mounted', component: 'Cart', items: 0 },
    { level: 'info', msg: 'app mounted', react: versions.react },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 1, sku: 'SKU-1' },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 2, sku: 'SKU-2' },
    {
      level: 'error',
      msg: 'render failed',
      component: 'ErrorBoundary',
      err: {
        name: 'Error',
        message: 'checkout render failed',
        stack,
        cause: { name: 'TypeError', message: 'total is NaN', stack: causeStack },
      },
      componentStack,
    },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 3, sku: 'SKU-3' },
  ]);
  // Real stacks from the bundle, not placeholders.
  expect(stack).toMatch(/^Error: checkout render failed\n\s+at /);
  expect(stack).toContain('/react/assets/');
  expect(causeStack).toMatch(/^TypeError: total is NaN\n\s+at /);
  // React's component stack: one frame per component from the failing one up (names are minified).
  // Checkout, ErrorBoundary, <main>, App: the failing component first, host elements by tag.
  const frames = componentStack.trim().split('\n').map((frame) => frame.trim());
  expect(frames).toHaveLength(4);
  expect(frames[0]).toMatch(/^at \S+ \(http:\/\/127\.0\.0\.1:\d+\/react\/assets\/index-[\w-]+\.js:\d+:\d+\)$/);
  expect(frames[2]).toBe('at main (<anonymous>)');
  // Its first frame is the component whose render threw: the function atop the error's own stack.
  expect(frames[0]!.split(' ')[1]).toBe(stack.split('\n')[1]!.trim().split(' ')[1]);

  expectStoredPushes(receiver, site.origin);
  // React reports an error its boundary caught on the console (root option onCaughtError's
  // default): that one, and only that one, is expected.
  await expectCleanPageExcept(page, problems, [/checkout render failed/]);
});

test('Vue: onMounted, clicks, a child logger per component and app.config.errorHandler', async ({ page, site, receiver, problems }) => {
  const url = serveApp(site, app('vue'), receiver);
  expect(site.cspOf('/vue/index.html')).not.toMatch(/unsafe-inline|unsafe-eval/);
  await page.goto(url);

  await clickThrough(page, async () => {
    await expect.poll(() => page.evaluate(() => window.e2eApp!.caught.length)).toBe(1);
  });

  const entries = await deliveredEntries(page, receiver, 'e2e-vue', 6);
  const caught = await page.evaluate(() => window.e2eApp!.caught);
  expect(caught).toHaveLength(1);
  const { stack, causeStack } = caught[0] as { stack: string; causeStack: string };

  // Production Vue hands the error handler a link to its error reference instead of a phrase:
  // #runtime-5 is NATIVE_EVENT_HANDLER, the `onClick` of an element.
  const info = 'https://vuejs.org/error-reference/#runtime-5';
  expect(caught[0]).toMatchObject({ info, where: 'Cart' });

  expect(entries.map(parsed)).toEqual([
    // onMounted runs children first: Cart's before App's.
    { level: 'info', msg: 'cart mounted', component: 'Cart', items: 0 },
    { level: 'info', msg: 'app mounted', vue: versions.vue },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 1, sku: 'SKU-1' },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 2, sku: 'SKU-2' },
    {
      level: 'error',
      msg: 'unhandled error in component',
      component: 'errorHandler',
      err: {
        name: 'Error',
        message: 'payment handler failed',
        stack,
        cause: { name: 'TypeError', message: 'card declined', stack: causeStack },
      },
      info,
      where: 'Cart',
    },
    { level: 'info', msg: 'item added', component: 'Cart', clicks: 3, sku: 'SKU-3' },
  ]);
  expect(stack).toMatch(/^Error: payment handler failed\n\s+at /);
  expect(stack).toContain('/vue/assets/');
  expect(causeStack).toMatch(/^TypeError: card declined\n\s+at /);

  expectStoredPushes(receiver, site.origin);
  // With an errorHandler set, Vue logs nothing itself: no console error is expected at all.
  await expectCleanPageExcept(page, problems, []);
});
