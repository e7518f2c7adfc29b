// `npm run bench`: every benchmark, each in its own process (no JIT state or heap shared between
// them), one after the other (the machine has 2 cores: nothing runs beside a measurement), then one
// table — cloudlog beside pino, pino-loki, winston-loki, OpenTelemetry logs and the browser SDKs —
// printed and written to bench/RESULTS.md with the date, Node version, CPU and machine load.
//
// Run: npm run bench        (= npm run build && node --expose-gc bench/run-all.mjs)
//      BENCH_SKIP=outage,browser node --expose-gc bench/run-all.mjs     (a subset; RESULTS.md still written)
//
// Ends by itself: each step has a time limit, and the whole run a budget (~9 min after the build).
// Talks only to 127.0.0.1. No figure here is a pass/fail test: goals are reported, not enforced.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = `${here}RESULTS.md`;
const startedAt = Date.now();
const loadAtStart = os.loadavg();
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));

/** key, script, args, time limit (s). The outage run is the longest (its winston-loki row waits out a 60 s breaker). */
const STEPS = [
  { key: 'hot', script: 'hot-path.mjs', limitS: 150 },
  { key: 'e2e', script: 'end-to-end.mjs', limitS: 200 },
  { key: 'wire', script: 'wire-bytes.mjs', limitS: 90 },
  { key: 'heap', script: 'heap-per-entry.mjs', limitS: 120 },
  { key: 'encoding', script: 'encoding.mjs', limitS: 60 },
  { key: 'bundle', script: 'bundle-size.mjs', limitS: 180 },
  { key: 'browser', script: 'browser.mjs', limitS: 180 },
  { key: 'outage', script: 'outage.mjs', limitS: 330 },
];

function run({ script, args = [], limitS }) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--expose-gc', `${here}${script}`, ...args], {
      env: { ...process.env, BENCH_JSON: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let result;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line.startsWith('BENCH_RESULT ')) result = JSON.parse(line.slice('BENCH_RESULT '.length));
        else process.stdout.write(`${line}\n`);
      }
    });
    const t0 = Date.now();
    const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = (Date.now() - t0) / 1000;
      if (result === undefined) resolve({ failed: `${script} ended (${signal ?? code}) without a result after ${seconds.toFixed(0)} s`, ok: false, seconds });
      else resolve({ ...result, exitCode: code, seconds });
    });
  });
}

for (const file of ['dist/index.js', 'dist/cloudlog.min.js']) {
  if (!existsSync(`${root}${file}`)) {
    console.error(`bench: ${file} is missing; run \`npm run build\` first (npm run bench does).`);
    process.exit(2);
  }
}

const git = (...a) => {
  try {
    return execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};
const commit = git('rev-parse', '--short', 'HEAD') || 'unknown commit';
const dirty = git('status', '--porcelain', '--', 'src') !== '' ? ' + uncommitted changes in src/' : '';
const distSha = createHash('sha256').update(readFileSync(`${root}dist/index.js`)).digest('hex').slice(0, 12);

const R = {};
for (const step of STEPS) {
  if (SKIP.has(step.key)) {
    R[step.key] = { skipped: 'BENCH_SKIP', ok: true };
    continue;
  }
  console.log(`\n## ${step.script}\n`);
  R[step.key] = await run(step);
  if (R[step.key].failed) console.log(`  ${R[step.key].failed}`);
}

// ---------------------------------------------------------------------------------------------
// The table

const has = (key) => R[key] && !R[key].failed && !R[key].skipped;
const dash = '—';
const fx = (n, d = 0) => (n === undefined || n === null || Number.isNaN(n) ? dash : n.toFixed(d));
const ns = (n) => (n === undefined ? dash : `${fx(n)} ns`);
const kib = (n) => (n === undefined ? dash : `${(n / 1024).toFixed(2)} KiB`);
const yes = (ok) => (ok === undefined ? 'n/a' : ok ? 'yes' : '**no**');
const why = (key) => (R[key]?.skipped ? 'skipped' : R[key]?.failed ? 'failed' : dash);

const COLS = ['cloudlog', 'pino', 'pino-loki', 'winston-loki', 'otel', 'faro', 'datadog', 'sentry'];
const HEAD = ['cloudlog', 'pino → /dev/null', 'pino-loki', 'winston-loki', 'OTel logs', 'Faro', 'Datadog logs', 'Sentry'];

const hot = has('hot') ? R.hot : undefined;
const e2e = has('e2e') ? R.e2e.rows : undefined;
const heap = has('heap') ? R.heap.rows : undefined;
const bundle = has('bundle') ? R.bundle : undefined;
const browser = has('browser') && !R.browser.skipped ? R.browser : undefined;
const outageRows = has('outage') ? R.outage.rows : undefined;
const outage = (name) => outageRows?.find((r) => r.name === name);

const goals = [];
const goal = (text, measured, ok) => goals.push({ text, measured, ok });
const rows = [];
const row = (figure, cells, goalText = '', ok = undefined) => rows.push([figure, ...COLS.map((c) => cells[c] ?? ''), goalText, yes(ok)]);

// Hot path
if (hot) {
  const { ns: h } = hot;
  // Ratios: the median of per-round ratios (hot-path.mjs explains why), the ratio of medians beside it.
  const okPino = hot.ratioPino <= 0.5 && hot.ratioPinoSync <= 0.5;
  const okStringify = hot.ratioStringify <= 1.5;
  const rm = hot.ratioOfMedians;
  row(
    'hot path: ns per `info(msg, {userId, button, page})`, median',
    {
      cloudlog: ns(h.cloudlog),
      pino: `${ns(h.pinoAsync)} (sync ${ns(h.pinoSync)})`,
      'pino-loki': ns(h.pinoLoki),
      'winston-loki': ns(h.winstonLoki),
      otel: ns(h.otel),
    },
    `≤ 0.5× pino (${fx(hot.ratioPino, 2)}×; sync ${fx(hot.ratioPinoSync, 2)}×), ≤ 1.5× JSON.stringify ${ns(h.stringify)} (${fx(hot.ratioStringify, 2)}×)`,
    okPino && okStringify,
  );
  goal(
    'hot path ≤ 0.5× pino',
    `${ns(h.cloudlog)} vs pino ${ns(h.pinoAsync)} async: ${fx(hot.ratioPino, 2)}× (median of per-round ratios; ratio of medians ${fx(rm.pinoAsync, 2)}×), vs ${ns(h.pinoSync)} sync: ${fx(hot.ratioPinoSync, 2)}× (${fx(rm.pinoSync, 2)}×)`,
    okPino,
  );
  goal('hot path ≤ 1.5× JSON.stringify', `${ns(h.cloudlog)} vs ${ns(h.stringify)}: ${fx(hot.ratioStringify, 2)}× (median of per-round ratios; ratio of medians ${fx(rm.stringify, 2)}×)`, okStringify);
} else row('hot path: ns per call, median', { cloudlog: why('hot') });

// End to end
if (e2e) {
  const c = e2e.cloudlog;
  const p = e2e.pino;
  const ratio = c && p ? c.cpuNsPerEntry / p.cpuNsPerEntry : undefined;
  const cell = (r) => (r && !r.failed ? `${ns(r.cpuNsPerEntry)}${r.ok ? '' : ` (delivered ${fx(r.deliveredPct, 1)} %)`}` : r?.failed ? 'failed' : dash);
  row(
    'end to end: CPU ns per delivered entry (calls + batching + encoding + sending; own process)',
    { cloudlog: cell(c), pino: cell(p), 'pino-loki': cell(e2e['pino-loki']), 'winston-loki': cell(e2e['winston-loki']), otel: cell(e2e.otel) },
    `≤ 1.0× pino (${fx(ratio, 2)}×); harness floor ${ns(e2e.none?.cpuNsPerEntry)}`,
    ratio === undefined ? undefined : ratio <= 1.0 && c.ok,
  );
  goal('end-to-end CPU ≤ 1.0× pino', `${ns(c?.cpuNsPerEntry)} vs ${ns(p?.cpuNsPerEntry)} per entry (${fx(ratio, 2)}×; ranges over passes: cloudlog ${c?.cpuRange?.map((x) => fx(x)).join('–')}, pino ${p?.cpuRange?.map((x) => fx(x)).join('–')} ns)`, ratio === undefined ? undefined : ratio <= 1.0 && c.ok);
  const wire = (r) => (r?.wirePerEntry ? `${fx(r.wirePerEntry, 1)} B` : dash);
  row(
    'bytes on the wire per entry, request bodies as received (same run)',
    { cloudlog: wire(c), pino: 'n/a', 'pino-loki': wire(e2e['pino-loki']), 'winston-loki': wire(e2e['winston-loki']), otel: wire(e2e.otel) },
    '≤ 12 B',
    c?.wirePerEntry === undefined ? undefined : c.wirePerEntry <= 12,
  );
  goal('≤ 12 B per entry on the wire', `${fx(c?.wirePerEntry, 2)} B/entry at ${R.e2e.ratePerSec}/s (${c?.requests} requests of ${fx(c?.entriesPerRequest)} entries)${has('wire') ? `; 100-entry batches: ${fx(R.wire.gzipSmall.wirePerEntry, 2)} B/entry` : ''}`, c?.wirePerEntry === undefined ? undefined : c.wirePerEntry <= 12);
} else row('end to end: CPU ns per delivered entry', { cloudlog: why('e2e') });

// Heap
if (heap) {
  const b = (r) => (r && !r.failed ? `${fx(r.bytesPerEntry)} B` : r?.failed ? 'failed' : dash);
  const c = heap.cloudlog;
  row(
    'heap per queued entry (100 000 held, after GC)',
    { cloudlog: b(c), pino: 'n/a (no queue)', 'pino-loki': b(heap['pino-loki']), 'winston-loki': b(heap['winston-loki']), otel: b(heap.otel) },
    '≤ 200 B',
    c?.bytesPerEntry === undefined ? undefined : c.bytesPerEntry <= 200 && c.ok,
  );
  goal('≤ 200 B heap per queued entry', `${fx(c?.bytesPerEntry, 1)} B (the JSON line alone as a flat string ≈ ${R.heap.flatLineBytes} B)`, c?.bytesPerEntry === undefined ? undefined : c.bytesPerEntry <= 200 && c.ok);
} else row('heap per queued entry', { cloudlog: why('heap') });

// Outage
if (outageRows) {
  const def = outage('cloudlog');
  const tight = outage('cloudlog-1MiB');
  const wl = outage('winston-loki');
  const pl = outage('pino-loki');
  const ot = outage('otel');
  const pct = (r) => (r ? `${fx(r.deliveredPct, 1)} %` : dash);
  const drain = (r) => (r ? (r.drainedMs === null ? r.drained : `${fx(r.drainedMs / 1000, 1)} s`) : dash);
  const peak = (r) => (r ? `${fx(r.peakMiB, 1)} MiB` : dash);
  // The defaults, and beside them a 1 MiB memory budget: what it drops is counted and reported.
  const both = (f) => `${f(def)}${tight ? ` (defaults); ${f(tight)} (\`maxQueueBytes: 1 MiB\`)` : ''}`;
  const full = (r) => r !== undefined && r.delivered === r.logged;
  const light = (r) => r !== undefined && wl !== undefined && r.peakMiB <= 0.3 * wl.peakMiB;
  const na = { pino: 'n/a' };
  row('outage (100 000 entries over 10 s while down): delivered', { ...na, cloudlog: both(pct), 'pino-loki': pct(pl), 'winston-loki': pct(wl), otel: pct(ot) }, '100 % (defaults)', full(def));
  row('outage: drain time after recovery', { ...na, cloudlog: both(drain), 'pino-loki': drain(pl), 'winston-loki': drain(wl), otel: drain(ot) }, '');
  row('outage: peak heap', { ...na, cloudlog: both(peak), 'pino-loki': peak(pl), 'winston-loki': peak(wl), otel: peak(ot) }, `≤ 0.3× winston-loki (${fx(0.3 * (wl?.peakMiB ?? NaN), 1)} MiB)`, light(def));
  if (def) {
    goal(
      'outage 100 % delivered, peak heap ≤ 0.3× winston-loki (cloudlog defaults)',
      `${fx(def.deliveredPct, 2)} % delivered, drained in ${drain(def)}, peak heap ${peak(def)} = ${fx(def.peakMiB / wl?.peakMiB, 2)}× winston-loki's ${peak(wl)}`,
      full(def) && light(def),
    );
  }
} else row('outage: delivered / drain / peak heap', { cloudlog: why('outage') });

// Bundles
if (bundle) {
  const p = bundle.pages;
  const g = (k) => (p[k] ? kib(p[k].gzip) : dash);
  row(
    'bundle min+gz: a "send one log" page, each built the same way (rollup, node-resolve browser, terser, gzip -9)',
    { cloudlog: `${g('cloudlog')} (CDN file: ${kib(bundle.iife.gzip)})`, pino: 'n/a', 'pino-loki': 'n/a', 'winston-loki': 'n/a', otel: g('otel'), faro: g('faro'), datadog: g('datadog'), sentry: g('sentry') },
    '≤ 12 KiB (CDN file, every feature)',
    bundle.iife.gzip <= 12 * 1024,
  );
  goal('CDN bundle ≤ 12 KiB min+gz', `dist/cloudlog.min.js ${kib(bundle.iife.gzip)} min+gz (${kib(bundle.iife.min)} min; browser builds post with fetch, not ky: ky alone is ${kib(bundle.ky.gzip)})`, bundle.iife.gzip <= 12 * 1024);
} else row('bundle min+gz', { cloudlog: why('bundle') });

// Browser
if (browser) {
  const b = browser.rows;
  row(
    `Chromium: main-thread ms per 1000 entries logged and shipped (CDP TaskDuration)`,
    {
      cloudlog: `${fx(b.cloudlog.taskMsPer1000, 2)} ms (script ${fx(b.cloudlog.scriptMsPer1000, 2)} ms; harness floor ${fx(b.none.taskMsPer1000, 2)} ms)`,
      pino: 'n/a',
      'pino-loki': 'n/a',
      'winston-loki': 'n/a',
      otel: b.otelBigQueue
        ? `${fx(b.otelBigQueue.taskMsPer1000, 2)} ms (queue raised to ship all); defaults ${fx(b.otel.taskMsPer1000, 2)} ms, received ${b.otel.received.join(' / ')} of ${browser.entries}`
        : 'not measured',
      faro: 'not measured',
      datadog: 'not measured',
      sentry: 'not measured',
    },
    '',
  );
} else row('Chromium: main-thread ms per 1000 entries', { cloudlog: R.browser?.skipped ?? why('browser') });

// ---------------------------------------------------------------------------------------------
// Details under the table

const details = [];
const d = (s = '') => details.push(s);
if (hot) {
  d(`### Hot path (${hot.rounds} interleaved rounds × ${hot.calls} calls per contender, median ns per call [min–max])`);
  d();
  d(`Ratios for the goals are medians of per-round ratios (cloudlog / pino async ${fx(hot.ratioPino, 2)}×, / pino sync ${fx(hot.ratioPinoSync, 2)}×, / JSON.stringify ${fx(hot.ratioStringify, 2)}×); ratios of the medians below: ${fx(hot.ratioOfMedians.pinoAsync, 2)}×, ${fx(hot.ratioOfMedians.pinoSync, 2)}×, ${fx(hot.ratioOfMedians.stringify, 2)}×.`);
  d();
  d('| contender | ns per call | range |');
  d('| --- | ---: | --- |');
  for (const [key, label] of Object.entries(hot.labels)) d(`| ${label} | ${fx(hot.ns[key], 1)} | ${hot.spread[key].map((x) => fx(x)).join('–')} |`);
  d();
  d(`cloudlog delivery during the hot-path run: enqueued ${hot.stats.enqueued}, sent ${hot.stats.sent}, dropped ${hot.stats.dropped}, receiver counted ${hot.received.cloudlog} (${hot.ok ? 'OK' : 'MISMATCH'}).`);
  d();
}
if (e2e) {
  d(`### End to end (${R.e2e.entries} entries at ${R.e2e.ratePerSec}/s after ${R.e2e.warm} warm-up entries, each library in its own process, best of ${R.e2e.repeats} passes)`);
  d();
  d('| library | CPU ns/entry (user + sys) | range over passes | delivered | requests | entries/request | wire B/entry | uncompressed B/entry | body format | set-up |');
  d('| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const r of Object.values(e2e)) {
    if (r.failed) {
      d(`| ${r.name} | failed: ${r.failed} | | | | | | | | |`);
      continue;
    }
    d(
      `| ${r.label} | ${fx(r.cpuNsPerEntry)} (${fx(r.userNsPerEntry)} + ${fx(r.systemNsPerEntry)}) | ${r.cpuRange.map((x) => fx(x)).join('–')} | ${r.delivered} / ${r.logged} | ${r.requests} | ${fx(r.entriesPerRequest)} | ${r.wirePerEntry === null ? 'n/a' : fx(r.wirePerEntry, 1)} | ${r.rawPerEntry === null ? 'n/a' : fx(r.rawPerEntry, 1)} | ${r.formats || 'n/a'} | ${r.config} |`,
    );
  }
  d();
}
if (has('wire')) {
  const w = R.wire;
  d(`### Wire bytes, cloudlog variants (${w.entries} entries logged in bursts of 1000)`);
  d();
  d('| variant | B/entry on the wire | B/entry uncompressed | requests |');
  d('| --- | ---: | ---: | ---: |');
  for (const [label, r] of [
    ['gzip, default batches', w.gzip],
    ['gzip, 100-entry batches', w.gzipSmall],
    ["`compression: 'none'`", w.none],
  ])
    d(`| ${label} | ${fx(r.wirePerEntry, 2)} | ${fx(r.rawPerEntry, 1)} | ${r.requests} |`);
  d();
}
if (heap) {
  d(`### Heap per queued entry (${R.heap.entries} entries held, nothing sent; heapUsed after full GCs)`);
  d();
  d('| library | B/entry heap | B/entry off-heap | set-up |');
  d('| --- | ---: | ---: | --- |');
  for (const r of Object.values(heap)) d(r.failed ? `| ${r.lib} | failed: ${r.failed} | | |` : `| ${r.label} | ${fx(r.bytesPerEntry, 1)} | ${fx(r.offHeapPerEntry, 1)} | ${r.config} |`);
  d();
}
if (outageRows) {
  d(`### Outage (${R.outage.entries} entries over ${R.outage.outageMs / 1000} s while the endpoint answers ${R.outage.down}, then back; full tables in bench/outage/RESULTS.md)`);
  d();
  d('| library | delivered | drained in | peak heap | notes |');
  d('| --- | ---: | ---: | ---: | --- |');
  for (const r of outageRows) d(`| ${r.label} | ${fx(r.deliveredPct, 2)} % (${r.delivered} / ${r.logged}) | ${r.drainedMs === null ? r.drained : `${fx(r.drainedMs / 1000, 1)} s`} | ${fx(r.peakMiB, 1)} MiB | ${r.notes.join('; ')} |`);
  d();
}
if (has('encoding')) {
  const en = R.encoding;
  d(`### Encoding one ${en.entries}-entry batch: gzip JSON vs protobuf + snappy (median of ${en.rounds}; CPU from the batch to the bytes to send)`);
  d();
  d('| encoding | CPU ns/entry | B/entry |');
  d('| --- | ---: | ---: |');
  for (const r of Object.values(en.rows)) d(`| ${r.label} | ${fx(r.cpuNsPerEntry)} | ${fx(r.bytesPerEntry, 2)} |`);
  d();
}
if (bundle) {
  d('### Bundles (min, min+gz level 9, brotli q11)');
  d();
  d('| bundle | version | min | min+gz | brotli |');
  d('| --- | --- | ---: | ---: | ---: |');
  d(`| dist/cloudlog.min.js (CDN file, whole API) | this build | ${kib(bundle.iife.min)} | ${kib(bundle.iife.gzip)} | ${kib(bundle.iife.brotli)} |`);
  const names = { cloudlog: 'cloudlog', faro: 'Grafana Faro Web SDK', datadog: 'Datadog browser-logs', sentry: 'Sentry browser (logs)', otel: 'OTel sdk-logs + exporter-logs-otlp-http' };
  for (const [k, p] of Object.entries(bundle.pages)) d(`| page "send one log" (bench/bundles/${k}.js): ${names[k]} | ${p.version} | ${kib(p.min)} | ${kib(p.gzip)} | ${kib(p.brotli)} |`);
  d(`| ky alone (dist/index.js posts with it; browser builds do not) | | ${kib(bundle.ky.min)} | ${kib(bundle.ky.gzip)} | ${kib(bundle.ky.brotli)} |`);
  d(`| cloudlog's page built from dist/index.js (a bundler ignoring the "browser" condition) | | ${kib(bundle.withoutBrowserCondition.min)} | ${kib(bundle.withoutBrowserCondition.gzip)} | ${kib(bundle.withoutBrowserCondition.brotli)} |`);
  for (const [k, v] of Object.entries(bundle.vendorCdn ?? {})) d(`| vendor's own prebuilt CDN file: ${v.file.replace('node_modules/', '')} | | ${kib(v.min)} | ${kib(v.gzip)} | ${kib(v.brotli)} |`);
  d();
}
if (browser) {
  d(`### Chromium ${browser.chromium} (${browser.entries} entries per run in tasks of ${browser.chunk}, then \`flush()\`; ${browser.repeats} runs per variant, medians)`);
  d();
  d('| variant | main-thread ms / 1000 entries (TaskDuration) | range | script ms / 1000 (ScriptDuration) | ns per call (performance.now) | received per run |');
  d('| --- | ---: | --- | ---: | ---: | --- |');
  for (const r of Object.values(browser.rows))
    d(`| ${r.label} | ${fx(r.taskMsPer1000, 2)} | ${r.taskRange.map((x) => fx(x, 2)).join('–')} | ${fx(r.scriptMsPer1000, 2)} | ${fx(r.callNs)} | ${r.received.join(' / ')} |`);
  d();
}

const failedSteps = Object.entries(R).filter(([, r]) => r.failed || r.ok === false);
const cpu = os.cpus();
const header = [
  `- Date: ${new Date().toISOString()}`,
  `- Node: ${process.version} (${process.platform} ${process.arch}); CPU: ${cpu[0]?.model ?? 'unknown'} × ${cpu.length}; memory ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB`,
  `- Load average (1 min) at start ${loadAtStart[0].toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)} — other work on the machine inflates CPU and ns figures; compare ratios from one run`,
  `- cloudlog build measured: dist/index.js sha256 ${distSha}, repo at ${commit}${dirty}`,
  `- Steps: ${Object.entries(R)
    .map(([k, r]) => `${k} ${r.skipped ? 'skipped' : r.failed ? 'FAILED' : `${fx(r.seconds)} s`}`)
    .join(', ')}; total ${fx((Date.now() - startedAt) / 1000)} s`,
];
const table = [`| figure | ${HEAD.join(' | ')} | cloudlog goal | met |`, `| --- | ${HEAD.map(() => '---').join(' | ')} | --- | --- |`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
const goalLines = goals.map((g) => `- ${g.ok === undefined ? 'n/a' : g.ok ? 'MET' : '**NOT MET**'} — ${g.text}: ${g.measured}`);

const markdown = [
  '# Benchmark results',
  '',
  'Written by `npm run bench` (bench/run-all.mjs); how each figure is made: bench/README.md. Timings vary ±20% run to',
  'run on a shared 2-core VM: read ratios within one run, and run twice before acting on a difference.',
  '',
  ...header,
  '',
  ...table,
  '',
  '## Goals (issue 6)',
  '',
  ...goalLines,
  '',
  ...(failedSteps.length ? [`Steps that failed or whose own check failed: ${failedSteps.map(([k, r]) => `${k}${r.failed ? ` (${r.failed})` : ''}`).join(', ')}.`, ''] : []),
  '## Details',
  '',
  ...details,
].join('\n');

console.log(`\n## Summary\n\n${header.join('\n')}\n\n${table.join('\n')}\n\n${goalLines.join('\n')}`);
writeFileSync(RESULTS, `${markdown.trimEnd()}\n`);
console.log(`\nwritten to ${RESULTS}`);
if (failedSteps.length > 0) {
  console.log(`\nCheck failed in: ${failedSteps.map(([k]) => k).join(', ')} (see output above).`);
  process.exitCode = 1;
}
