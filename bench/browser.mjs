// In Chromium: main-thread milliseconds per 1000 entries logged and shipped.
//
// Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH), headless, launched by Playwright with
// the flags of playwright.config.ts. A page served from one loopback port loads
// dist/cloudlog.min.js with a <script> tag and logs N entries `log.info('user clicked button',
// { userId, button, page })` to the receiver (support/sink-server.mjs) on another loopback port —
// cross-origin, with CORS, as a page posting to a proxy does. The entries are logged in tasks of
// CHUNK calls (a setTimeout(0) between them, as clicks and renders would spread them), then
// `await log.flush()`: everything is on the receiver when the measurement ends (checked).
//
// Main-thread time is the renderer's own account, read over CDP with Performance.getMetrics
// before and after: TaskDuration (every main-thread task: script, GC, IndexedDB callbacks, fetch
// bookkeeping, compression-stream glue) and ScriptDuration (JavaScript alone), as deltas, per
// 1000 entries. performance.now() around the calls gives the synchronous cost of the calls alone
// (ns per call in the browser). Variants, each in a fresh browser context, interleaved, REPEATS
// times, medians:
//   - cloudlog, defaults (IndexedDB write-ahead on, gzip via CompressionStream);
//   - cloudlog `persist: false` (no IndexedDB): what durability costs on the main thread;
//   - cloudlog `compression: 'none'`: what gzip (CompressionStream) costs on the main thread;
//   - no logger: the same loop and field objects into a no-op, the harness's floor.
//
// Run: npm run build && node bench/browser.mjs
// Knobs: BENCH_BROWSER_ENTRIES (10 000), BENCH_BROWSER_REPEATS (3).
// To see where the main thread's time goes: BENCH_BROWSER_PROF=<dir> loads an unminified build of
// src/ (the project's IIFE plugins, no terser: readable names) and writes a V8 CPU profile of each
// measured run, <dir>/browser-<variant>-<run>.cpuprofile (read it with support/profile-summary.mjs;
// "(program)" there is the renderer's native work: IPC, Blob and fetch plumbing, task scheduling).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { forkSink } from './support/sink-server.mjs';
import { emitResult, median } from './support/workload.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const N = Number(process.env.BENCH_BROWSER_ENTRIES ?? 10_000);
const REPEATS = Number(process.env.BENCH_BROWSER_REPEATS ?? 3);
const CHUNK = 100;
const WARM = 1000;
// The launch flags of playwright.config.ts.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-quic', '--disable-sync'];

if (!existsSync(CHROMIUM)) {
  console.log(`browser: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH): not measured`);
  emitResult({ skipped: `no Chromium at ${CHROMIUM}`, ok: true });
  process.exit(0);
}

const VARIANTS = [
  { key: 'cloudlog', label: 'cloudlog (defaults: IndexedDB write-ahead, gzip)', options: {} },
  { key: 'cloudlogNoPersist', label: 'cloudlog `persist: false`', options: { persist: false } },
  { key: 'cloudlogNoGzip', label: "cloudlog `compression: 'none'`", options: { compression: 'none' } },
  { key: 'none', label: 'no logger (harness floor)', options: null },
];

const sink = await forkSink();
process.on('exit', () => sink.kill());
const PROF_DIR = process.env.BENCH_BROWSER_PROF;

/** dist/cloudlog.min.js, or with BENCH_BROWSER_PROF the same build without terser. */
async function loadBundle() {
  if (!PROF_DIR) return readFileSync(`${root}dist/cloudlog.min.js`);
  const { rollup } = await import('rollup');
  const { default: configs } = await import(`${root}rollup.config.mjs`);
  const iife = [configs].flat().find((c) => [c.output].flat().some((o) => o?.format === 'iife'));
  const build = await rollup({ input: `${root}src/index.ts`, plugins: iife.plugins, onwarn: () => {} });
  const { output } = await build.generate({ format: 'iife', name: 'cloudlog' });
  await build.close();
  return output[0].code;
}
const bundle = await loadBundle();

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>cloudlog bench</title>
<script src="/cloudlog.min.js"></script></head><body><script>
const BUTTONS = ['buy', 'add-to-cart', 'search', 'login'];
const PAGES = ['/', '/cart', '/product/17', '/checkout'];
const userIdAt = (i) => 10000 + (Math.imul(i + 1, 2654435761) >>> 0) % 100000;
let sinkHole;
window.bench = {
  setup(options, url) {
    this.log = options === null
      ? { info(msg, fields) { sinkHole = fields; }, flush: async () => true, stats: () => ({}) }
      : cloudlog.createLogger({ url, labels: { service_name: 'bench', env: 'browser' }, ...options });
  },
  // Logs [from, to) in tasks of CHUNK calls; returns the time spent inside the calls.
  async run(from, to, chunk) {
    const log = this.log;
    let callMs = 0;
    const t0 = performance.now();
    for (let start = from; start < to; start += chunk) {
      const end = Math.min(to, start + chunk);
      const c0 = performance.now();
      for (let i = start; i < end; i++) log.info('user clicked button', { userId: userIdAt(i), button: BUTTONS[i & 3], page: PAGES[(i >> 2) & 3] });
      callMs += performance.now() - c0;
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const flushed = await log.flush();
    return { callMs, wallMs: performance.now() - t0, flushed, stats: log.stats() };
  },
};
</script></body></html>`;

const site = createServer((req, res) => {
  if (req.url === '/cloudlog.min.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
  else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
  else res.writeHead(404).end();
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const pageUrl = `http://127.0.0.1:${site.address().port}/`;

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
const version = browser.version();
const watchdog = setTimeout(() => {
  console.error('browser.mjs: 180 s budget exceeded; stopping');
  process.exit(1);
}, 180_000);
watchdog.unref();

async function metrics(cdp) {
  const { metrics: list } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(list.map((m) => [m.name, m.value]));
}

const profileRuns = {};
async function runVariant(variant) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(pageUrl);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await page.evaluate(([options, url]) => window.bench.setup(options, url), [variant.options, sink.url]);
  // Warm-up: JIT, the IndexedDB database, the connection and the CORS preflight cache.
  await page.evaluate(([chunk, warm]) => window.bench.run(0, warm, chunk), [CHUNK, WARM]);
  await sink.reset();
  if (PROF_DIR) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
  }
  const m0 = await metrics(cdp);
  const r = await page.evaluate(([chunk, warm, n]) => window.bench.run(warm, warm + n, chunk), [CHUNK, WARM, N]);
  const m1 = await metrics(cdp);
  if (PROF_DIR) {
    const { profile } = await cdp.send('Profiler.stop');
    writeFileSync(`${PROF_DIR}/browser-${variant.key}-${(profileRuns[variant.key] = (profileRuns[variant.key] ?? 0) + 1)}.cpuprofile`, JSON.stringify(profile));
  }
  // Entries still on their way to the receiver after flush() resolved would be a bug: look once more after a beat.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const received = await sink.stats();
  await context.close();
  const per1000 = 1000 / N;
  return {
    taskMsPer1000: (m1.TaskDuration - m0.TaskDuration) * 1000 * per1000,
    scriptMsPer1000: (m1.ScriptDuration - m0.ScriptDuration) * 1000 * per1000,
    callNs: (r.callMs * 1e6) / N,
    wallMs: r.wallMs,
    received: received.entries,
    requests: received.requests,
    formats: Object.keys(received.formats).join(', '),
    flushed: r.flushed,
    errors,
    ok: errors.length === 0 && (variant.options === null ? received.entries === 0 : received.entries === N && received.badRequests === 0),
  };
}

const samples = Object.fromEntries(VARIANTS.map((v) => [v.key, []]));
try {
  for (let round = 0; round < REPEATS; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const v of order) samples[v.key].push(await runVariant(v));
  }
} finally {
  await browser.close();
  site.close();
  await sink.close();
}

const rows = {};
console.log(`Chromium ${version}: ${N} entries per run in tasks of ${CHUNK}, then flush(); ${REPEATS} runs per variant, interleaved; medians`);
for (const v of VARIANTS) {
  const s = samples[v.key];
  const row = {
    label: v.label,
    taskMsPer1000: median(s.map((x) => x.taskMsPer1000)),
    scriptMsPer1000: median(s.map((x) => x.scriptMsPer1000)),
    callNs: median(s.map((x) => x.callNs)),
    wallMs: median(s.map((x) => x.wallMs)),
    taskRange: [Math.min(...s.map((x) => x.taskMsPer1000)), Math.max(...s.map((x) => x.taskMsPer1000))],
    received: s.map((x) => x.received),
    requests: s.map((x) => x.requests),
    formats: s[0].formats,
    errors: s.flatMap((x) => x.errors).slice(0, 3),
    ok: s.every((x) => x.ok),
  };
  rows[v.key] = row;
  console.log(
    `  ${v.label.padEnd(50)} ${row.taskMsPer1000.toFixed(2).padStart(6)} ms main-thread tasks / 1000 entries [${row.taskRange.map((x) => x.toFixed(2)).join('–')}], ` +
      `${row.scriptMsPer1000.toFixed(2)} ms script; ${row.callNs.toFixed(0)} ns per call; received ${row.received.join('/')} in ${row.requests.join('/')} requests (${row.formats || '—'}) → ${row.ok ? 'OK' : 'CHECK'}${row.errors.length ? ` errors: ${row.errors.join(' | ')}` : ''}`,
  );
}
emitResult({ chromium: version, unminified: PROF_DIR !== undefined, entries: N, chunk: CHUNK, repeats: REPEATS, rows, ok: Object.values(rows).every((r) => r.ok) });
process.exit(Object.values(rows).every((r) => r.ok) ? 0 : 1);
