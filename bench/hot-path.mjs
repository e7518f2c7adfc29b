// Hot path: ns per call of `info('user clicked button', { userId, button, page })`, every library
// in one process, interleaved.
//
// Contenders, each with its own call site so none makes another's polymorphic:
//   cloudlog          delivery running: posting gzip JSON to the receiver (a child process)
//   cloudlog (warn)   the same call on a logger whose level is 'warn': the cost of a disabled level
//   pino sync         pino(pino.destination({ dest: '/dev/null', sync: true }))
//   pino async        pino(pino.destination({ dest: '/dev/null', sync: false })) — what pino() does with stdout
//   pino-loki         pino(pino.transport({ target: 'pino-loki' })): the call serializes and hands the
//                     line to the worker thread, which batches and posts
//   winston-loki      winston with LokiTransport (batching, protobuf + snappy), posting to the receiver
//   OpenTelemetry     logger.emit({ severityNumber, severityText, body, attributes }) into a
//                     BatchLogRecordProcessor + OTLP/HTTP JSON exporter, posting to the receiver
//   JSON.stringify    JSON.stringify({ level: 'info', msg, userId, button, page }): the floor for a JSON line
//
// Method: warm-up rounds, then ROUNDS interleaved rounds of CALLS calls per contender, the order
// rotated (and reversed every other round) so no contender always runs after the same one.
// A full gc() precedes each timed round; each library's own flushing (cloudlog's delivery, pino's
// async buffer, OTel's export) happens between rounds, outside the timed region. Reported: the
// median ns/call, with the spread, and the ratios to the goals' references as the median of the
// per-round ratios: two contenders timed in the same round ran under the same conditions (the same
// load from the rest of the machine), so pairing them cancels most of the drift between rounds.
//
// The timed loop is synchronous, as app code is: the libraries only queue during it; encoding,
// compression and the POSTs run when the loop yields. That work is measured by end-to-end.mjs.
// Queue bounds are raised where a round of CALLS synchronous calls would otherwise overflow them
// (cloudlog's 20 000 entries, OTel's 2 048 records), so every timed call really queues its entry.
//
// Run: npm run build && node --expose-gc bench/hot-path.mjs
import { createContender } from './support/contenders.mjs';
import { forkSink } from './support/sink-server.mjs';
import { emitResult, makeColumns, median, MESSAGE, requireGc } from './support/workload.mjs';

const gc = requireGc();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const CALLS = Number(process.env.BENCH_CALLS ?? 10_000);
const WARMUP_ROUNDS = 3;

const { userIds, buttons, pages } = makeColumns(CALLS);
const sink = await forkSink();
process.on('exit', () => sink.kill());

const roomy = { maxQueueEntries: Math.max(100_000, CALLS * 4), maxQueueBytes: 256 * 1024 * 1024 };
const cl = await createContender('cloudlog', { sink, tune: roomy });
const quiet = await createContender('cloudlog', { sink, tune: { ...roomy, level: 'warn' } });
const pinoSync = await createContender('pino', { tune: { sync: true } });
const pinoAsync = await createContender('pino', {});
const pl = await createContender('pino-loki', { sink });
const wl = await createContender('winston-loki', { sink });
const ot = await createContender('otel', { sink, tune: { maxQueueSize: Math.max(100_000, CALLS * 4) } });

const log = cl.native;
const quietLog = quiet.native;
const pinoS = pinoSync.native;
const pinoA = pinoAsync.native;
const pinoLoki = pl.native;
const winstonLoki = wl.native;
const otel = ot.native;
const OTEL_INFO = 9; // SeverityNumber.INFO

let blackhole = 0;

// One loop function per contender: a shared one would make `x.info` a polymorphic call site.
function runCloudlog(n) {
  for (let i = 0; i < n; i++) log.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
}
function runQuiet(n) {
  for (let i = 0; i < n; i++) quietLog.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
}
function runPinoSync(n) {
  for (let i = 0; i < n; i++) pinoS.info({ userId: userIds[i], button: buttons[i], page: pages[i] }, MESSAGE);
}
function runPinoAsync(n) {
  for (let i = 0; i < n; i++) pinoA.info({ userId: userIds[i], button: buttons[i], page: pages[i] }, MESSAGE);
}
function runPinoLoki(n) {
  for (let i = 0; i < n; i++) pinoLoki.info({ userId: userIds[i], button: buttons[i], page: pages[i] }, MESSAGE);
}
function runWinstonLoki(n) {
  for (let i = 0; i < n; i++) winstonLoki.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
}
function runOtel(n) {
  for (let i = 0; i < n; i++) {
    otel.emit({ severityNumber: OTEL_INFO, severityText: 'INFO', body: MESSAGE, attributes: { userId: userIds[i], button: buttons[i], page: pages[i] } });
  }
}
function runStringify(n) {
  let total = 0;
  for (let i = 0; i < n; i++) total += JSON.stringify({ level: 'info', msg: MESSAGE, userId: userIds[i], button: buttons[i], page: pages[i] }).length;
  blackhole += total;
}

const nothing = async () => {};
export const CONTENDERS = [
  { key: 'cloudlog', label: 'cloudlog (gzip, delivery running)', run: runCloudlog, settle: cl.flush },
  { key: 'cloudlogDisabled', label: "cloudlog, level 'warn' (info disabled)", run: runQuiet, settle: nothing },
  { key: 'pinoSync', label: 'pino → /dev/null, sync', run: runPinoSync, settle: nothing },
  { key: 'pinoAsync', label: 'pino → /dev/null, async (pino() default)', run: runPinoAsync, settle: pinoAsync.flush },
  { key: 'pinoLoki', label: 'pino-loki (pino.transport worker)', run: runPinoLoki, settle: pl.flush },
  // winston-loki's flush() waits for its next 5 s tick: let its loop send in the background instead.
  { key: 'winstonLoki', label: 'winston-loki (protobuf+snappy)', run: runWinstonLoki, settle: nothing },
  { key: 'otel', label: 'OpenTelemetry logs (batch + OTLP/HTTP)', run: runOtel, settle: ot.flush },
  { key: 'stringify', label: 'JSON.stringify baseline', run: runStringify, settle: nothing },
];
const contenders = CONTENDERS;

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

await cl.close();
await quiet.close();
const stats = log.stats();
const received = await sink.stats();
await Promise.allSettled([pinoSync.close(), pinoAsync.close(), pl.close(), ot.close()]);
await sink.close();

const ns = Object.fromEntries(contenders.map((c) => [c.key, median(samples[c.key])]));
const spread = Object.fromEntries(contenders.map((c) => [c.key, [Math.min(...samples[c.key]), Math.max(...samples[c.key])]]));
const paired = (key) => median(samples.cloudlog.map((x, r) => x / samples[key][r]));
const ratioPino = paired('pinoAsync');
const ratioPinoSync = paired('pinoSync');
const ratioStringify = paired('stringify');
const ratioOfMedians = { pinoAsync: ns.cloudlog / ns.pinoAsync, pinoSync: ns.cloudlog / ns.pinoSync, stringify: ns.cloudlog / ns.stringify };
// cloudlog is the only contender posting gzip JSON, so its entries are those of that format.
const cloudlogReceived = received.formats['loki json+gzip']?.entries ?? 0;
const delivered = stats.sent === stats.enqueued && cloudlogReceived === stats.enqueued && received.badRequests === 0 && stats.dropped.total === 0;

console.log(`hot path: ${ROUNDS} interleaved rounds × ${CALLS} calls per contender (after ${WARMUP_ROUNDS} warm-up rounds), median ns/call [min–max]`);
for (const c of contenders) {
  const [lo, hi] = spread[c.key];
  console.log(`  ${c.label.padEnd(42)} ${ns[c.key].toFixed(1).padStart(8)} ns  [${lo.toFixed(1)}–${hi.toFixed(1)}]`);
}
console.log('  ratios, median of per-round ratios (ratio of the medians in parentheses):');
console.log(`  cloudlog / pino (async, pino() default)  ${ratioPino.toFixed(2)}× (${ratioOfMedians.pinoAsync.toFixed(2)}×)   goal ≤ 0.5×`);
console.log(`  cloudlog / pino sync                     ${ratioPinoSync.toFixed(2)}× (${ratioOfMedians.pinoSync.toFixed(2)}×)   goal ≤ 0.5×`);
console.log(`  cloudlog / JSON.stringify                ${ratioStringify.toFixed(2)}× (${ratioOfMedians.stringify.toFixed(2)}×)   goal ≤ 1.5×`);
console.log(
  `delivery check (cloudlog): enqueued ${stats.enqueued}, sent ${stats.sent}, dropped.total ${stats.dropped.total}, ` +
    `receiver got ${cloudlogReceived} gzip JSON entries (${received.badRequests} bad requests) → ${delivered ? 'OK' : 'MISMATCH'}`,
);
if (blackhole === 42) console.log('');

emitResult({
  calls: CALLS,
  rounds: ROUNDS,
  labels: Object.fromEntries(contenders.map((c) => [c.key, c.label])),
  ns,
  spread,
  ratioPino,
  ratioPinoSync,
  ratioStringify,
  ratioOfMedians,
  stats: { enqueued: stats.enqueued, sent: stats.sent, dropped: stats.dropped.total },
  received: { cloudlog: cloudlogReceived, formats: received.formats, badRequests: received.badRequests },
  ok: delivered,
});
if (!delivered) process.exitCode = 1;
// winston-loki's batch loop and the pino-loki worker would keep the process alive.
process.exit();
