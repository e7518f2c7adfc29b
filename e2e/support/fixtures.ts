/**
 * Playwright fixtures of the end-to-end tests: a Loki-compatible receiver (test/support), the
 * static site that serves the pages, and a record of everything a page complained about.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { startLokiReceiver, type LokiReceiver, type StoredEntry } from '../../test/support/loki-receiver.js';
import { startStaticSite, type StaticSite } from './static-server.js';

/** What pages expose to the tests (set by the page scripts and /e2e/csp-watch.js). */
declare global {
  interface Window {
    cloudlog?: typeof import('../../src/index.js');
    cspViolations?: Array<{ directive: string; blockedURI: string; sample: string; sourceFile: string }>;
    /** The page script's outcome, a promise that `page.evaluate` awaits. */
    e2eResult?: Promise<unknown>;
  }
}

export interface PageProblems {
  /** console.error messages, CSP violations included (csp-watch.js logs them). */
  consoleErrors: string[];
  /** Uncaught exceptions and unhandled rejections. */
  pageErrors: string[];
  /** Requests the browser could not complete (blocked, refused, aborted). */
  failedRequests: string[];
}

export const test = base.extend<{ receiver: LokiReceiver; site: StaticSite; problems: PageProblems }>({
  receiver: async ({}, use) => {
    const receiver = await startLokiReceiver();
    await use(receiver);
    await receiver.close();
  },
  site: async ({}, use) => {
    const site = await startStaticSite();
    await use(site);
    await site.close();
  },
  problems: [
    async ({ page }, use) => {
      const problems: PageProblems = { consoleErrors: [], pageErrors: [], failedRequests: [] };
      page.on('console', (message) => {
        if (message.type() === 'error') problems.consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => problems.pageErrors.push(`${error.name}: ${error.message}`));
      page.on('requestfailed', (request) => problems.failedRequests.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`));
      await use(problems);
    },
    { auto: true },
  ],
});

export { expect };

/** The page saw no CSP violation, logged no error, threw nothing and had no request fail. */
export async function expectCleanPage(page: Page, problems: PageProblems): Promise<void> {
  const violations = await page.evaluate(() => window.cspViolations);
  expect(violations, 'csp-watch.js did not run: is it served and allowed?').toBeDefined();
  expect(violations, 'CSP violations').toEqual([]);
  expect(problems.pageErrors, 'uncaught errors').toEqual([]);
  expect(problems.consoleErrors, 'console errors').toEqual([]);
  expect(problems.failedRequests, 'failed requests').toEqual([]);
}

/** Loads a page and returns what its script resolved `window.e2eResult` to. */
export async function runPage<T>(page: Page, url: string): Promise<T> {
  await page.goto(url);
  // evaluate awaits the promise; it runs over the DevTools protocol, so the page's CSP does not apply to it.
  await page.waitForFunction(() => window.e2eResult !== undefined, undefined, { timeout: 10_000 });
  return (await page.evaluate(() => window.e2eResult)) as T;
}

/** An entry's line parsed as the JSON object it is. */
export function parsed(entry: StoredEntry): Record<string, unknown> {
  return JSON.parse(entry.line) as Record<string, unknown>;
}

/** Nanosecond timestamps as BigInt, for exact comparisons. */
export function nanoseconds(entries: StoredEntry[]): bigint[] {
  return entries.map((entry) => BigInt(entry.ts));
}
