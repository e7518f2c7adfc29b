// Heap per queued entry: log 100 000 entries `log.info('user clicked button', { userId, button, page })`
// to an endpoint that never answers, with batching limits so high that nothing is even sent,
// and report (heapUsed after − heapUsed before) / entries, each after full GCs.
// This is what an outage costs: every entry waiting in memory, including the queue's own
// bookkeeping and array growth slack.
//
// Run: npm run build && node --expose-gc bench/heap-per-entry.mjs
import { createLogger } from '../dist/index.js';
import { startSink } from './support/sink-server.mjs';
import { emitResult, makeColumns, MESSAGE, requireGc } from './support/workload.mjs';

const gc = requireGc();
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const HOUR_MS = 3_600_000;

function settledHeap() {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

const { userIds, buttons, pages } = makeColumns(ENTRIES);
const sink = await startSink({ mode: 'hang' });
const log = createLogger({
  url: sink.url,
  labels: { service_name: 'bench', env: 'bench' },
  // Nothing goes out: no batch fills, no batch ages, the queue holds every entry.
  flushIntervalMs: HOUR_MS,
  maxBatchEntries: ENTRIES * 10,
  maxBatchBytes: 1024 * 1024 * 1024,
  maxQueueEntries: ENTRIES * 10,
  maxQueueBytes: 1024 * 1024 * 1024,
  closeTimeoutMs: 0,
});

// Warm the code (a few entries stay queued, before the baseline is taken).
for (let i = 0; i < 1000; i++) log.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });

const before = settledHeap();
for (let i = 0; i < ENTRIES; i++) log.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
const after = settledHeap();
const stats = log.stats();

// The average line, to split the figure into "the line itself" and "everything else".
let lineChars = 0;
for (let i = 0; i < 1000; i++) lineChars += JSON.stringify({ level: 'info', msg: MESSAGE, userId: userIds[i], button: buttons[i], page: pages[i] }).length;
const avgLine = lineChars / 1000;
// A flat one-byte V8 string: 16-byte header (64-bit, no pointer compression, as in Node) + chars, 8-aligned.
const flatLineBytes = 16 + Math.ceil(avgLine / 8) * 8;

await log.close(); // closeTimeoutMs 0: the queue is dropped as `closed`
await sink.close();

const perEntry = (after - before) / ENTRIES;
const queuedOk = stats.queued === ENTRIES + 1000 && stats.sent === 0 && stats.dropped.total === 0;
console.log(`heap per queued entry: ${ENTRIES} entries queued, nothing sent (queued ${stats.queued}, sent ${stats.sent}, dropped ${stats.dropped.total}) → ${queuedOk ? 'OK' : 'MISMATCH'}`);
console.log(`  heapUsed ${(before / 1048576).toFixed(1)} MiB → ${(after / 1048576).toFixed(1)} MiB: ${perEntry.toFixed(1)} B/entry   (goal ≤ 200 B)`);
console.log(`  of which the line text as a flat string would be ≈ ${flatLineBytes} B (${avgLine.toFixed(1)} chars); the rest, ≈ ${(perEntry - flatLineBytes).toFixed(0)} B, is queue overhead`);

emitResult({ entries: ENTRIES, bytesPerEntry: perEntry, avgLineChars: avgLine, flatLineBytes, heapBefore: before, heapAfter: after, ok: queuedOk });
if (!queuedOk) process.exitCode = 1;
