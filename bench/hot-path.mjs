// Hot path: ns per `log.info('user clicked button', { userId, button, page })`.
//
// Contenders, each with its own call site so none makes another's polymorphic:
//   cloudlog         delivery running: a real logger posting (gzip) to a loopback sink in a child process
//   cloudlog (warn)  the same call on a logger whose level is 'warn': the cost of a disabled level
//   pino sync        pino(pino.destination({ dest: '/dev/null', sync: true }))
//   pino async       pino(pino.destination({ dest: '/dev/null', sync: false })) — what pino() does with stdout
//   JSON.stringify   JSON.stringify({ level: 'info', msg, userId, button, page }): the floor for a JSON line
//
// Method: warm-up rounds, then ROUNDS interleaved rounds of CALLS calls per contender, the order
// rotated (and reversed every other round) so no contender always runs after the same one.
// A full gc() precedes each timed round; flushing (cloudlog's delivery, pino's async buffer)
// happens between rounds, outside the timed region. Reported: the median ns/call.
//
// The timed loop is synchronous, as app code is: cloudlog only queues during it; encoding, gzip
// and the POSTs run when the loop yields. That work is measured separately as "end to end":
// process CPU time (all threads) per entry for calls + flush, the sink being in another process.
//
// Run: npm run build && node --expose-gc bench/hot-path.mjs
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { createLogger } from '../dist/index.js';
import { forkSink } from './support/sink-server.mjs';
import { emitResult, makeColumns, median, MESSAGE, requireGc } from './support/workload.mjs';

const gc = requireGc();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const WARMUP_ROUNDS = 3;
const E2E_ROUNDS = 7;

const { userIds, buttons, pages } = makeColumns(CALLS);
const sink = await forkSink();

const loggerOptions = {
  url: sink.url,
  labels: { service_name: 'bench', env: 'bench' },
  // One round queues CALLS entries before delivery can run: leave ample room so nothing is shed.
  maxQueueEntries: Math.max(100_000, CALLS * 4),
  maxQueueBytes: 256 * 1024 * 1024,
};
const log = createLogger(loggerOptions);
const quiet = createLogger({ ...loggerOptions, level: 'warn' });

const pinoSyncDest = pino.destination({ dest: '/dev/null', sync: true });
const pinoSync = pino(pinoSyncDest);
const pinoAsyncDest = pino.destination({ dest: '/dev/null', sync: false });
const pinoAsync = pino(pinoAsyncDest);

let blackhole = 0;

// One loop function per contender: a shared one would make `x.info` a polymorphic call site.
function runCloudlog(n) {
  for (let i = 0; i < n; i++) log.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
}
function runQuiet(n) {
  for (let i = 0; i < n; i++) quiet.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
}
function runPinoSync(n) {
  for (let i = 0; i < n; i++) pinoSync.info({ userId: userIds[i], button: buttons[i], page: pages[i] }, MESSAGE);
}
function runPinoAsync(n) {
  for (let i = 0; i < n; i++) pinoAsync.info({ userId: userIds[i], button: buttons[i], page: pages[i] }, MESSAGE);
}
function runStringify(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += JSON.stringify({ level: 'info', msg: MESSAGE, userId: userIds[i], button: buttons[i], page: pages[i] }).length;
  blackhole += total;
}

const flushPinoAsync = () => new Promise((resolve) => pinoAsyncDest.flush(() => resolve()));

const contenders = [
  { key: 'cloudlog', label: 'cloudlog (gzip, delivery running)', run: runCloudlog, settle: async () => void (await log.flush()) },
  { key: 'cloudlogDisabled', label: "cloudlog, level 'warn' (info disabled)", run: runQuiet, settle: async () => {} },
  { key: 'pinoSync', label: 'pino → /dev/null, sync', run: runPinoSync, settle: async () => {} },
  { key: 'pinoAsync', label: 'pino → /dev/null, async (pino() default)', run: runPinoAsync, settle: flushPinoAsync },
  { key: 'stringify', label: 'JSON.stringify baseline', run: runStringify, settle: async () => {} },
];

async function timedRound(contender) {
  gc();
  const t0 = process.hrtime.bigint();
  contender.run(CALLS);
  const t1 = process.hrtime.bigint();
  await contender.settle();
  return Number(t1 - t0) / CALLS;
}

for (let w = 0; w < WARMUP_ROUNDS; w++) for (const c of contenders) await timedRound(c);

const samples = Object.fromEntries(contenders.map((c) => [c.key, []]));
for (let r = 0; r < ROUNDS; r++) {
  const rotated = contenders.map((_, i) => contenders[(i + r) % contenders.length]);
  if (r % 2 === 1) rotated.reverse();
  for (const c of rotated) samples[c.key].push(await timedRound(c));
}

// End to end: calls plus delivery (encode, gzip, POST, answer), as process CPU per entry.
async function endToEnd(run, settle) {
  const cpu = [];
  const wall = [];
  for (let r = 0; r < E2E_ROUNDS; r++) {
    gc();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    run(CALLS);
    await settle();
    const t1 = performance.now();
    const c1 = process.cpuUsage(c0);
    cpu.push(((c1.user + c1.system) * 1000) / CALLS);
    wall.push(((t1 - t0) * 1e6) / CALLS);
  }
  return { cpuNs: median(cpu), wallNs: median(wall) };
}
const e2eCloudlog = await endToEnd(runCloudlog, () => log.flush());
const e2ePinoAsync = await endToEnd(runPinoAsync, flushPinoAsync);

await log.close();
await quiet.close();
pinoAsyncDest.flushSync();
pinoAsyncDest.end();
pinoSyncDest.end();
const stats = log.stats();
const received = await sink.stats();
await sink.close();

const ns = Object.fromEntries(contenders.map((c) => [c.key, median(samples[c.key])]));
const spread = Object.fromEntries(contenders.map((c) => [c.key, [Math.min(...samples[c.key]), Math.max(...samples[c.key])]]));
const ratioPino = ns.cloudlog / ns.pinoSync;
const ratioPinoAsync = ns.cloudlog / ns.pinoAsync;
const ratioStringify = ns.cloudlog / ns.stringify;
const delivered = stats.sent === stats.enqueued && received.entries === stats.enqueued && received.badRequests === 0;

console.log(`hot path: ${ROUNDS} interleaved rounds × ${CALLS} calls per contender (after ${WARMUP_ROUNDS} warm-up rounds), median ns/call [min–max]`);
for (const c of contenders) {
  const [lo, hi] = spread[c.key];
  console.log(`  ${c.label.padEnd(42)} ${ns[c.key].toFixed(1).padStart(8)} ns  [${lo.toFixed(1)}–${hi.toFixed(1)}]`);
}
console.log(`  cloudlog / pino sync        ${ratioPino.toFixed(2)}×   (goal ≤ 0.5×)`);
console.log(`  cloudlog / pino async       ${ratioPinoAsync.toFixed(2)}×`);
console.log(`  cloudlog / JSON.stringify   ${ratioStringify.toFixed(2)}×   (goal ≤ 1.5×)`);
console.log(`end to end (calls + delivery, median of ${E2E_ROUNDS} × ${CALLS}): CPU of this process per entry, wall per entry`);
console.log(`  cloudlog (gzip → sink)      ${e2eCloudlog.cpuNs.toFixed(0)} ns CPU, ${e2eCloudlog.wallNs.toFixed(0)} ns wall`);
console.log(`  pino async (→ /dev/null)    ${e2ePinoAsync.cpuNs.toFixed(0)} ns CPU, ${e2ePinoAsync.wallNs.toFixed(0)} ns wall`);
console.log(
  `delivery check: enqueued ${stats.enqueued}, sent ${stats.sent}, dropped.total ${stats.dropped.total}, ` +
    `sink received ${received.entries} entries in ${received.requests} requests (${received.gzipRequests} gzip, ${received.badRequests} bad) → ${delivered && stats.dropped.total === 0 ? 'OK' : 'MISMATCH'}`,
);
if (blackhole === 42) console.log('');

emitResult({
  calls: CALLS,
  rounds: ROUNDS,
  ns,
  spread,
  ratioPino,
  ratioPinoAsync,
  ratioStringify,
  e2e: { cloudlog: e2eCloudlog, pinoAsync: e2ePinoAsync },
  stats: { enqueued: stats.enqueued, sent: stats.sent, dropped: stats.dropped.total },
  sink: received,
  ok: delivered && stats.dropped.total === 0,
});
if (!(delivered && stats.dropped.total === 0)) process.exitCode = 1;
