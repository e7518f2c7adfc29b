/**
 * The README's main command, in a browser: `node examples/start.mjs` (what `npm start` runs after
 * the build) serves the demo page under a strict CSP, with cloudlog-proxy and its local sink on
 * the same origin. Each button does what it says, and what it logs shows up in the terminal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './support/fixtures.js';

let child: ChildProcess;
let out = '';
let err = '';
let origin = '';
let dir = '';

test.beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudlog-demo-'));
  out = '';
  err = '';
  child = spawn(process.execPath, ['examples/start.mjs'], {
    env: { PATH: process.env.PATH ?? '', PORT: '0', CLOUDLOG_SINK_FILE: join(dir, 'demo.ndjson') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await expect.poll(() => /demo page: (http:\/\/\S+)\//.exec(err)?.[1], { timeout: 20_000 }).toBeTruthy();
  origin = /demo page: (http:\/\/\S+)\//.exec(err)![1]!;
});
test.afterEach(async () => {
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  await rm(dir, { recursive: true, force: true });
});

const printed = (text: string) => out.split('\n').filter((line) => line.includes(text));

test('npm start: the demo page logs through the proxy under a strict CSP; Node logged too', async ({ page, problems }) => {
  // The Node script ran first, through the same proxy.
  expect(err).toMatch(/node-demo\.mjs sent 4 entries through the proxy \(0 dropped\)/);
  expect(printed('demo-node')).toHaveLength(4);

  const response = await page.goto(`${origin}/`);
  expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");

  await page.click('#log');
  await expect.poll(() => printed('button clicked')).toHaveLength(1);
  expect(printed('button clicked')[0]).toMatch(/ INFO  demo-web\{source="browser"\}  button clicked  button=log clicks=1 page=\//);

  await page.click('#burst');
  await expect.poll(() => printed('  burst  ').length, { timeout: 15_000 }).toBe(1000);

  // Nothing on the page broke the CSP or failed so far.
  expect(problems.consoleErrors).toEqual([]);
  expect(problems.failedRequests).toEqual([]);

  await page.click('#throw');
  await expect.poll(() => printed('uncaught error')).toHaveLength(1);
  expect(out).toContain('Error: demo failure');
  expect(out).toContain('Caused by: Error: the cause');
  expect(problems.pageErrors).toEqual(['Error: demo failure']);
});

test('go offline: entries wait in the page, then arrive once each when it is back online', async ({ page }) => {
  await page.goto(`${origin}/`);
  await page.click('#offline');
  await expect(page.locator('#offline')).toHaveText('Back online');
  for (let i = 0; i < 3; i++) await page.click('#log');
  // They wait: queued in the page, not in the terminal.
  await expect.poll(async () => JSON.parse((await page.locator('#stats').textContent()) || '{}').queued ?? 0).toBeGreaterThanOrEqual(3);
  expect(printed('button clicked')).toHaveLength(0);

  await page.click('#offline');
  await expect.poll(() => printed('button clicked').length, { timeout: 30_000 }).toBe(3);
  expect(printed('going offline')).toHaveLength(1);
  expect(printed('back online')).toHaveLength(1);
  // And the sink's file has them, once each.
  const records = (await readFile(join(dir, 'demo.ndjson'), 'utf8')).trim().split('\n').map((row) => JSON.parse(row) as { line: string });
  expect(records.filter((record) => record.line.includes('button clicked'))).toHaveLength(3);
});
