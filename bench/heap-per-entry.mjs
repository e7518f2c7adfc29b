// Heap per queued entry: each library, in its own process, logs 100 000 entries
// `info('user clicked button', { userId, button, page })` towards an endpoint that never answers,
// set up so that nothing is even sent (flush interval an hour, batch limits huge), and we report
// (heapUsed after − heapUsed before) / entries, each after full GCs. This is what an outage costs
// per entry: every entry waiting in memory, with the queue's own bookkeeping and growth slack.
// Off-heap memory (Buffers: `external` + `arrayBuffers`) is reported beside it, as it would hide
// a queue of Buffers.
//
// pino-loki runs as a plain pino stream in this thread (not pino.transport()), otherwise its buffer
// would sit in a worker isolate that heapUsed does not see. pino → /dev/null holds no queue: n/a.
//
// Run: npm run build && node --expose-gc bench/heap-per-entry.mjs       (all libraries)
//      node --expose-gc bench/heap-per-entry.mjs --lib cloudlog          (one, in this process)
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createContender } from './support/contenders.mjs';
import { startSink } from './support/sink-server.mjs';
import { emitResult, makeColumns, MESSAGE, requireGc } from './support/workload.mjs';

const gc = requireGc();
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const WARM = 1000;
const HOUR_MS = 3_600_000;
const LIBS = ['cloudlog', 'pino-loki', 'winston-loki', 'otel'];

/** Options under which each library holds everything and sends nothing. */
const HOLD = {
  cloudlog: {
    flushIntervalMs: HOUR_MS,
    maxBatchEntries: ENTRIES * 10,
    maxBatchBytes: 1024 * 1024 * 1024,
    maxQueueEntries: ENTRIES * 10,
    maxQueueBytes: 1024 * 1024 * 1024,
    closeTimeoutMs: 0,
  },
  'pino-loki': { batching: { interval: 3600, maxBufferSize: 0 } },
  'winston-loki': { interval: 3600 },
  otel: { scheduledDelayMillis: HOUR_MS, maxQueueSize: ENTRIES * 10, maxExportBatchSize: ENTRIES * 10 },
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function settled() {
  // Let streams and timers hand their entries to where they wait (pino-loki parses lines asynchronously).
  await sleep(300);
  for (let i = 0; i < 4; i++) gc();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, offHeap: m.external + m.arrayBuffers };
}

async function measure(lib) {
  const sink = await startSink({ mode: 'hang' });
  const contender = await createContender(lib, { sink, tune: HOLD[lib], inThread: true });
  const { userIds, buttons, pages } = makeColumns(WARM + ENTRIES);
  const info = contender.info;
  // Warm the code (these stay queued, before the baseline is taken).
  for (let i = 0; i < WARM; i++) info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
  const before = await settled();
  for (let i = WARM; i < WARM + ENTRIES; i++) info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
  const after = await settled();
  const pending = contender.pending();
  const stats = contender.stats();
  const received = await sink.stats();
  // Nothing must have been sent (the sink would count a request) and, where the library can say, all must be held.
  const held = pending === null ? null : pending;
  const ok = received.requests === 0 && (held === null || held >= ENTRIES) && (stats.dropped?.total ?? 0) === 0;
  return {
    lib,
    label: contender.label,
    config: contender.config,
    entries: ENTRIES,
    bytesPerEntry: (after.heap - before.heap) / ENTRIES,
    offHeapPerEntry: (after.offHeap - before.offHeap) / ENTRIES,
    heapBefore: before.heap,
    heapAfter: after.heap,
    held,
    ok,
  };
}

if (process.argv[2] === '--lib') {
  const result = await measure(process.argv[3]);
  if (process.send) process.send(result, () => process.exit(0));
  else {
    console.log(result);
    process.exit(0);
  }
} else {
  const rows = {};
  for (const lib of LIBS) {
    const child = fork(fileURLToPath(import.meta.url), ['--lib', lib], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    const result = await new Promise((resolve) => {
      child.once('message', resolve);
      child.once('exit', (code) => resolve({ lib, failed: `exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`, ok: false }));
    });
    clearTimeout(timer);
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
    rows[lib] = result;
    if (result.failed) console.log(`  ${lib}: ${result.failed}`);
    else
      console.log(
        `  ${result.label.padEnd(36)} ${result.bytesPerEntry.toFixed(1).padStart(7)} B/entry heap, ${result.offHeapPerEntry.toFixed(1)} B/entry off-heap; held ${result.held ?? 'n/a'} → ${result.ok ? 'OK' : 'CHECK'} [${result.config}]`,
      );
  }
  // The line itself, to read the cloudlog figure against: a flat one-byte V8 string (16-byte header + chars, 8-aligned).
  const { userIds, buttons, pages } = makeColumns(1000);
  let chars = 0;
  for (let i = 0; i < 1000; i++) chars += JSON.stringify({ level: 'info', msg: MESSAGE, userId: userIds[i], button: buttons[i], page: pages[i] }).length;
  const avgLineChars = chars / 1000;
  const flatLineBytes = 16 + Math.ceil(avgLineChars / 8) * 8;
  console.log(`heap per queued entry: ${ENTRIES} entries held, nothing sent; a JSON line (${avgLineChars.toFixed(1)} chars) as a flat string ≈ ${flatLineBytes} B   (goal for cloudlog ≤ 200 B)`);
  const ok = Object.values(rows).every((r) => r.ok);
  emitResult({ entries: ENTRIES, rows, avgLineChars, flatLineBytes, ok });
  if (!ok) process.exitCode = 1;
}
