// In Chromium: main-thread milliseconds per 1000 entries logged and shipped.
//
// Debian's Chromium (/usr/bin/chromium, or CHROMIUM_PATH), headless, launched by Playwright with
// the flags of playwright.config.ts. A page served from one loopback port loads
// dist/cloudlog.min.js with a <script> tag and logs N entries `log.info('user clicked button',
// { userId, button, page })` to the receiver (support/sink-server.mjs) on another loopback port —
// cross-origin, with CORS, as a page posting to a proxy does. The entries are logged in tasks of
// CHUNK calls (a setTimeout(0) between them, as clicks and renders would spread them), then
// `await log.flush()`: everything is on the receiver when the measurement ends (checked).
// The OpenTelemetry JS logs SDK runs the same workload from its own page on the same origin:
// bundles/otel-browser.js (LoggerProvider + BatchLogRecordProcessor + OTLPLogExporter, HTTP/JSON
// over fetch) bundled here as bundle-size.mjs bundles the peers' pages — rollup, node-resolve for
// browsers, commonjs, IIFE — and minified with rollup.config.mjs's terser options, as
// dist/cloudlog.min.js is. Each call is `logger.emit({ severityNumber: INFO, severityText: 'INFO',
// body: 'user clicked button', attributes: { userId, button, page } })`, posting to the receiver's
// OTLP endpoint (/v1/logs), then `await provider.forceFlush()`.
//
// Main-thread time is the renderer's own account, read over CDP with Performance.getMetrics
// before and after: TaskDuration (every main-thread task: script, GC, IndexedDB callbacks, fetch
// bookkeeping, compression-stream glue) and ScriptDuration (JavaScript alone), as deltas, per
// 1000 entries. ScriptDuration misses the JavaScript run as microtasks — the loop itself, which
// resumes after an await, and promise-driven work such as OTel's whole export path (its row is
// near the floor's) — so compare TaskDuration. performance.now() around the calls gives the
// synchronous cost of the calls alone (ns per call in the browser). Variants, each in a fresh
// browser context, interleaved, REPEATS times, medians:
//   - cloudlog, defaults (IndexedDB write-ahead on, gzip via CompressionStream);
//   - cloudlog `persist: false` (no IndexedDB): what durability costs on the main thread;
//   - cloudlog `compression: 'none'`: what gzip (CompressionStream) costs on the main thread;
//   - OTel logs, defaults: a queue of 2048 records, one export of 512 at a time, and records
//     logged while the queue is full are dropped — at this rate that happens in some runs (the
//     received column says; not a failed check for this row);
//   - OTel logs `maxQueueSize: N` (at least its default 2048): a queue that holds a run, so it
//     ships all N, like cloudlog: its cost on equal terms;
//   - no logger: the same loop and field objects into a no-op, the harness's floor.
//
// Run: npm run build && node bench/browser.mjs
// Knobs: BENCH_BROWSER_ENTRIES (10 000), BENCH_BROWSER_REPEATS (3).
// To see where the main thread's time goes: BENCH_BROWSER_PROF=<dir> loads an unminified build of
// src/ (the project's IIFE plugins, no terser: readable names), bundles OTel's script without terser
// too, and writes a V8 CPU profile of each measured run, <dir>/browser-<variant>-<run>.cpuprofile
// (read it with support/profile-summary.mjs; "(program)" there is the renderer's native work: IPC,
// Blob and fetch plumbing, task scheduling).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import { chromium } from 'playwright-core';
import { rollup } from 'rollup';
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

const OTEL_VERSION = JSON.parse(readFileSync(`${root}node_modules/@opentelemetry/sdk-logs/package.json`, 'utf8')).version;
// Room for a whole run (the warm-up is flushed before it), never below OTel's default.
const OTEL_QUEUE = Math.max(N, 2048);

// `lib` picks the page (the script it loads) and the logger set up in it; `options` go to that logger.
// OTel's defaults hold 2048 records and export one batch of 512 at a time: when an export is slow
// the queue fills and the records logged meanwhile are dropped (`mayDrop`: the received column
// says how many arrived). The second OTel row holds a whole run, so its cost is for all N entries.
const VARIANTS = [
  { key: 'cloudlog', label: 'cloudlog (defaults: IndexedDB write-ahead, gzip)', lib: 'cloudlog', options: {} },
  { key: 'cloudlogNoPersist', label: 'cloudlog `persist: false`', lib: 'cloudlog', options: { persist: false } },
  { key: 'cloudlogNoGzip', label: "cloudlog `compression: 'none'`", lib: 'cloudlog', options: { compression: 'none' } },
  { key: 'otel', label: `OTel logs ${OTEL_VERSION} defaults (queue 2048, drops)`, lib: 'otel', options: {}, mayDrop: true },
  { key: 'otelBigQueue', label: `OTel logs ${OTEL_VERSION} \`maxQueueSize: ${OTEL_QUEUE}\``, lib: 'otel', options: { maxQueueSize: OTEL_QUEUE } },
  { key: 'none', label: 'no logger (harness floor)', lib: 'none', options: null },
];

const sink = await forkSink();
process.on('exit', () => sink.kill());
const PROF_DIR = process.env.BENCH_BROWSER_PROF;

// rollup.config.mjs's IIFE build: its input plugins rebuild cloudlog's script from src/ (profiling), its
// output plugins (terser) minify OTel's script as dist/cloudlog.min.js is minified.
const { default: configs } = await import(`${root}rollup.config.mjs`);
const iife = [configs].flat().find((c) => [c.output].flat().some((o) => o?.format === 'iife'));
const iifeOutput = [iife.output].flat().find((o) => o.format === 'iife');

async function bundleIife(input, name, plugins, outputPlugins) {
  const build = await rollup({ input, plugins, onwarn: () => {} });
  const { output } = await build.generate({ format: 'iife', name, plugins: outputPlugins });
  await build.close();
  return output[0].code;
}

// Served as they are built: dist/cloudlog.min.js, or with BENCH_BROWSER_PROF the same build without
// terser; OTel's page script bundled as bundle-size.mjs bundles the peers' pages (node-resolve for
// browsers, commonjs), minified with the same terser options, or not at all when profiling.
const SCRIPTS = {
  '/cloudlog.min.js': PROF_DIR ? await bundleIife(`${root}src/index.ts`, 'cloudlog', iife.plugins, []) : readFileSync(`${root}dist/cloudlog.min.js`),
  '/otel.js': await bundleIife(`${root}bench/bundles/otel-browser.js`, 'otel', [nodeResolve({ browser: true }), commonjs()], PROF_DIR ? [] : iifeOutput.plugins),
};

/** The page for one library: only its script is loaded; the no-logger floor uses cloudlog's page. */
const pageHtml = (script) => `<!doctype html><html><head><meta charset="utf-8"><title>cloudlog bench</title>
<script src="${script}"></script></head><body><script>
const BUTTONS = ['buy', 'add-to-cart', 'search', 'login'];
const PAGES = ['/', '/cart', '/product/17', '/checkout'];
const userIdAt = (i) => 10000 + (Math.imul(i + 1, 2654435761) >>> 0) % 100000;
let sinkHole;
// OTel's set-up as its exporter's README has it for the web, with the resource the Node runs give it
// (support/contenders.mjs); options go to the BatchLogRecordProcessor. The loop's
// log.info(msg, fields) calls a wrapper around the emit() an OTel user writes (the floor's no-op is
// such a call too).
function otelLogger(options, url) {
  const provider = new otel.LoggerProvider({
    resource: otel.resourceFromAttributes({ 'service.name': 'bench', 'deployment.environment.name': 'browser' }),
    processors: [new otel.BatchLogRecordProcessor({ exporter: new otel.OTLPLogExporter({ url }), ...options })],
  });
  const logger = provider.getLogger('bench');
  const INFO = otel.SeverityNumber.INFO;
  return {
    info: (msg, fields) => logger.emit({ severityNumber: INFO, severityText: 'INFO', body: msg, attributes: fields }),
    flush: () => provider.forceFlush(),
    stats: () => ({}),
  };
}
window.bench = {
  setup(lib, options, url) {
    if (lib === 'none') this.log = { info(msg, fields) { sinkHole = fields; }, flush: async () => true, stats: () => ({}) };
    else if (lib === 'otel') this.log = otelLogger(options, url);
    else this.log = cloudlog.createLogger({ url, labels: { service_name: 'bench', env: 'browser' }, ...options });
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

const PAGES = { '/cloudlog.html': pageHtml('/cloudlog.min.js'), '/otel.html': pageHtml('/otel.js') };
const site = createServer((req, res) => {
  if (SCRIPTS[req.url] !== undefined) res.writeHead(200, { 'content-type': 'text/javascript' }).end(SCRIPTS[req.url]);
  else if (PAGES[req.url] !== undefined) res.writeHead(200, { 'content-type': 'text/html' }).end(PAGES[req.url]);
  else res.writeHead(404).end();
});
await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${site.address().port}`;

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
  await page.goto(`${origin}/${variant.lib === 'otel' ? 'otel' : 'cloudlog'}.html`);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const url = variant.lib === 'otel' ? sink.otlpUrl : sink.url;
  await page.evaluate(([lib, options, url]) => window.bench.setup(lib, options, url), [variant.lib, variant.options, url]);
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
    ok:
      errors.length === 0 &&
      (variant.lib === 'none'
        ? received.entries === 0
        : received.badRequests === 0 && (variant.mayDrop ? received.entries > 0 && received.entries <= N : received.entries === N)),
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
      `${row.scriptMsPer1000.toFixed(2)} ms script; ${row.callNs.toFixed(0)} ns per call; received ${row.received.join('/')} in ${row.requests.join('/')} requests (${row.formats || '—'})${row.received.some((x) => x < N) && v.mayDrop ? ', dropped when its queue was full' : ''} → ${row.ok ? 'OK' : 'CHECK'}${row.errors.length ? ` errors: ${row.errors.join(' | ')}` : ''}`,
  );
}
emitResult({ chromium: version, unminified: PROF_DIR !== undefined, entries: N, chunk: CHUNK, repeats: REPEATS, rows, ok: Object.values(rows).every((r) => r.ok) });
process.exit(Object.values(rows).every((r) => r.ok) ? 0 : 1);
