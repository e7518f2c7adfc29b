// One library in its own process for bench/end-to-end.mjs, driven over IPC.
//
//   node bench/support/e2e-child.mjs <library> '<sink JSON>' '<tune JSON>'
//
// Protocol: child → {type:'ready'}; parent → {type:'warm'}: the child logs WARM entries on the pacing
// schedule and flushes → {type:'warmed'}; parent (once the receiver has them) → {type:'go'}: the child
// takes process.cpuUsage(), logs N entries on the same schedule, flushes → {type:'logged'}; parent
// (once the receiver has them, or a cap) → {type:'stop'}: the child reads process.cpuUsage() again
// → {type:'result'} and exits.
//
// process.cpuUsage() is the whole process: every thread (pino-loki's worker, libuv's pool doing gzip)
// and the garbage collector. The receiver is another process, so decoding is not billed here.
//
// With BENCH_CPU_PROF=<dir>, a V8 CPU profile of this thread covering exactly the measured window
// (from 'go' to 'stop') is written to <dir>/e2e-<library>.cpuprofile (read it with
// support/profile-summary.mjs or Chrome DevTools). Worker threads and libuv's pool are not in it.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { createContender } from './contenders.mjs';
import { makeColumns, MESSAGE } from './workload.mjs';

const [, , library, sinkJson, tuneJson = '{}', optsJson = '{}'] = process.argv;
const sink = JSON.parse(sinkJson);
const tune = JSON.parse(tuneJson);
const { warm: WARM, entries: N, ratePerSec: RATE, tickMs: TICK_MS } = JSON.parse(optsJson);
const PER_TICK = Math.max(1, Math.round((RATE * TICK_MS) / 1000));

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const next = (type) =>
  new Promise((resolve) => {
    const onMessage = (m) => {
      if (m.type !== type) return;
      process.off('message', onMessage);
      resolve(m);
    };
    process.on('message', onMessage);
  });

// pino-loki and winston-loki print failed pushes; count them instead of flooding the parent.
let consoleErrors = 0;
console.error = () => {
  consoleErrors += 1;
};

const lib = await createContender(library, { sink, tune });
const { userIds, buttons, pages } = makeColumns(WARM + N);
const info = lib.info;

/** Logs entries [from, to) at RATE per second in TICK_MS ticks, on a drift-free schedule. */
async function paced(from, to) {
  const t0 = performance.now();
  let lateTicks = 0;
  let i = from;
  for (let tick = 0; i < to; tick++) {
    const wait = t0 + tick * TICK_MS - performance.now();
    if (wait > 0) await sleep(wait);
    else if (wait < -TICK_MS) lateTicks += 1;
    const end = Math.min(to, i + PER_TICK);
    for (; i < end; i++) info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
  }
  return { ms: performance.now() - t0, lateTicks };
}

await send({ type: 'ready', config: lib.config, label: lib.label });

await next('warm');
await paced(0, WARM);
await lib.flush();
await send({ type: 'warmed' });

await next('go');
const PROF_DIR = process.env.BENCH_CPU_PROF;
let profiler;
if (PROF_DIR) {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 100 });
  await profiler.post('Profiler.start');
}
const c0 = process.cpuUsage();
const t0 = performance.now();
const logged = await paced(WARM, WARM + N);
const flushStart = performance.now();
await lib.flush();
await send({ type: 'logged', loggedMs: logged.ms, lateTicks: logged.lateTicks, flushMs: performance.now() - flushStart });

await next('stop');
const cpu = process.cpuUsage(c0);
const wallMs = performance.now() - t0;
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(`${PROF_DIR}/e2e-${library}.cpuprofile`, JSON.stringify(profile));
}
const stats = lib.stats();
await send({ type: 'result', cpu, wallMs, stats, pending: lib.pending(), consoleErrors, heapUsed: process.memoryUsage().heapUsed });
// No close(): the measurement is over, and an exit hook (winston-loki's) would only send again.
process.exit(0);
