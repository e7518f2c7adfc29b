// Outage benchmark: what each Loki client delivers after its endpoint was down.
//
// 100 000 entries `info('user clicked button', { userId, button, page })` are logged over 10 s
// (100 every 10 ms) while the push endpoint is down; then it comes back. The libraries: cloudlog
// (defaults, and a 1 MiB memory budget that must drop, and count, most of it), winston-loki and
// pino-loki (defaults), and the
// OpenTelemetry JS logs SDK set up as in the hot-path and end-to-end benches — a LoggerProvider with
// a BatchLogRecordProcessor and an OTLPLogExporter (OTLP/HTTP JSON to /v1/logs), every option its
// default: a 2048-record queue, 512-record exports one at a time, the exporter's own retries (5, on
// 503 and on network errors, within its 10 s timeout). For each library, in its own process (so
// heaps don't mix), we report:
//   - delivered %: distinct scenario entries stored by the receiver, after Loki's merge of
//     identical (stream, timestamp, line) — resends of a stored entry count once; an OTLP record
//     is keyed by (resource, timestamp, body, attributes), its fields being in the attributes;
//   - drained in: seconds from recovery to the last new entry stored, once the library holds
//     nothing more to send (or gave up); capped at 90 s. OTel is not flushed at recovery (an app
//     does not know when its endpoint is back): its processor drains by itself, and is done when
//     its queue and its export in progress are empty;
//   - peak heap: max of process.memoryUsage().heapUsed sampled every 50 ms, minus the heap after
//     setup (after a full GC), over the outage and the drain.
//
// The receiver (bench/outage/receiver.mjs) runs in its own process on 127.0.0.1. Down means it
// answers 503 to every push (default; `--down refused` closes the port instead, so connects are
// refused). Up, it takes Loki JSON (plain or gzip) and protobuf + snappy, which it decodes itself,
// and OTLP/HTTP JSON logs (plain or gzip).
//
//   npm run build && node bench/outage.mjs                 # ~3 min, writes bench/outage/RESULTS.md
//   node bench/outage.mjs --down refused                  # the port-refuses-connections variant
//   node bench/outage.mjs --only cloudlog,otel            # a subset (RESULTS.md not written)
//
// Ends by itself (global budget ~5 min), kills its child processes on exit, talks only to 127.0.0.1.
import { execFileSync, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forkReceiver } from './outage/receiver.mjs';
import { emitResult } from './support/workload.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const RUNNER = join(here, 'outage', 'run-library.mjs');
const RESULTS = join(here, 'outage', 'RESULTS.md');

const args = process.argv.slice(2);
const argValue = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const DOWN = argValue('--down', '503');
const ONLY = argValue('--only', '')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const TOTAL = Number(process.env.OUTAGE_ENTRIES ?? 100_000);
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 10_000);
const DRAIN_CAP_MS = Number(process.env.OUTAGE_DRAIN_CAP_MS ?? 90_000);
const BUDGET_MS = 290_000;
const POLL_MS = 250;
// A library that cannot say what it still holds (pino-loki) is done after this much silence:
// two of its 5 s flush intervals, plus a margin.
const QUIET_MS = 11_000;
const MiB = 1024 * 1024;

if (DOWN !== '503' && DOWN !== 'refused') {
  console.error('--down must be 503 or refused');
  process.exit(2);
}
const DIST = join(here, '..', 'dist', 'index.js');
if (!existsSync(DIST)) {
  console.error('dist/index.js is missing: run `npm run build` first.');
  process.exit(2);
}
// The build under test, copied once: a rebuild of dist/ during the run must not mix builds across
// rows. The copy sits beside this script so that its bare imports (ky, idb-keyval) still resolve
// from the repo's node_modules; it is removed on exit.
const distSource = readFileSync(DIST);
const SNAPSHOT_DIR = join(here, 'outage', '.dist-under-test');
const SNAPSHOT = join(SNAPSHOT_DIR, 'index.js');
mkdirSync(SNAPSHOT_DIR, { recursive: true });
writeFileSync(join(SNAPSHOT_DIR, 'package.json'), '{"type":"module"}\n');
writeFileSync(SNAPSHOT, distSource);
const BUILD = (() => {
  const sha = createHash('sha256').update(distSource).digest('hex').slice(0, 12);
  const built = statSync(DIST).mtime.toISOString();
  let commit = 'unknown commit';
  try {
    const git = (...a) => execFileSync('git', a, { cwd: join(here, '..'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    commit = git('rev-parse', '--short', 'HEAD');
    if (git('status', '--porcelain', '--', 'src') !== '') commit += ' + uncommitted changes in src/';
  } catch {}
  return `dist/index.js sha256 ${sha}, built ${built}, repo at ${commit}`;
})();

/** The rows. winston-loki first: it is the slowest to drain, and it must not be cut by the budget. */
const RUNS = [
  { name: 'no-logger', library: 'none', options: {}, label: 'no logger (control: the harness alone)' },
  { name: 'winston-loki', library: 'winston-loki', options: {}, label: 'winston-loki (batching, protobuf+snappy, defaults)' },
  { name: 'pino-loki', library: 'pino-loki', options: {}, label: 'pino-loki (batching, defaults)' },
  { name: 'otel', library: 'otel', options: {}, label: 'OpenTelemetry logs (BatchLogRecordProcessor + OTLP/HTTP JSON exporter, defaults)' },
  {
    name: 'cloudlog',
    library: 'cloudlog',
    options: {},
    label: 'cloudlog (defaults: 20 000 loose entries, 8 MiB; full batches parked gzip\'d while down)',
  },
  // A memory budget far below what the outage needs: what is held stays within it, and every
  // entry dropped is counted in stats() and in the notice entry stored after recovery.
  { name: 'cloudlog-1MiB', library: 'cloudlog', options: { maxQueueBytes: MiB }, label: 'cloudlog `maxQueueBytes: 1 MiB`' },
].filter((r) => ONLY.length === 0 || ONLY.includes(r.name) || ONLY.includes(r.library));

// ---------------------------------------------------------------------------------------------
// Child processes: all killed on the way out, however we leave.

const children = new Set();
let receiver;
function killAll() {
  rmSync(SNAPSHOT_DIR, { recursive: true, force: true });
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  const rc = receiver?.child;
  if (rc && rc.exitCode === null && rc.signalCode === null) rc.kill('SIGKILL');
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}
const startedAt = Date.now();
const rows = [];
const watchdog = setTimeout(() => {
  console.error(`outage.mjs: global budget of ${BUDGET_MS / 1000} s exceeded; stopping.`);
  if (rows.length > 0) console.log(renderTables(rows));
  process.exit(1);
}, BUDGET_MS + 15_000);
watchdog.unref();

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

/** One library, one outage. */
async function runOne(run, capMs) {
  await receiver.reset();
  const child = fork(RUNNER, [run.library, receiver.host, JSON.stringify(run.options)], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, OUTAGE_ENTRIES: String(TOTAL), OUTAGE_MS: String(OUTAGE_MS), CLOUDLOG_DIST: SNAPSHOT },
  });
  children.add(child);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const inbox = [];
  let wake;
  child.on('message', (m) => {
    inbox.push(m);
    wake?.();
  });
  const next = async (type, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const i = inbox.findIndex((m) => m.type === type);
      if (i >= 0) return inbox.splice(i, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || child.exitCode !== null) throw new Error(`no '${type}' from ${run.name} (exit ${child.exitCode}); output:\n${output}`);
      await Promise.race([new Promise((r) => (wake = r)), sleep(Math.min(left, 500)), exited]);
    }
  };

  try {
    await next('ready', 30_000);
    child.send({ type: 'start' });
    const logged = await next('logged', OUTAGE_MS + 30_000);
    const downStats = await receiver.stats();
    const recoveredAt = await receiver.up();

    let pending;
    let libStats;
    let why;
    for (;;) {
      await sleep(POLL_MS);
      child.send({ type: 'poll' });
      const poll = await next('poll', 10_000);
      pending = poll.pending;
      libStats = poll.stats;
      const r = await receiver.stats();
      const now = Date.now();
      if (r.scenario >= TOTAL && (pending === null || pending === 0)) {
        why = 'all delivered';
        break;
      }
      if (pending === 0) {
        why = 'nothing left to send';
        break;
      }
      if (pending === null && now - (r.lastNewAt ?? recoveredAt) >= QUIET_MS) {
        why = `silent for ${QUIET_MS / 1000} s (no retry)`;
        break;
      }
      if (now - recoveredAt >= capMs) {
        why = `cap: ${Math.round(capMs / 1000)} s`;
        break;
      }
    }
    const endedAt = Date.now();
    const final = await receiver.stats();
    child.send({ type: 'finish' });
    const result = await next('result', 15_000);
    return { run, logged, downStats, recoveredAt, endedAt, why, final, result, output };
  } finally {
    const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
    children.delete(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Reporting

const fmt = (n, digits = 1) => (n === undefined || n === null || Number.isNaN(n) ? '—' : n.toFixed(digits));
const int = (n) => (n === undefined || n === null ? '—' : Math.round(n).toLocaleString('en-US'));
const secs = (ms) => `${fmt(ms / 1000)} s`;

function summarize(x) {
  const { run, logged, downStats, recoveredAt, endedAt, why, final, result } = x;
  const delivered = final.scenario;
  const drainedMs = final.lastNewAt === undefined ? undefined : final.lastNewAt - recoveredAt;
  const capped = why.startsWith('cap');
  const drained = capped
    ? `not drained in ${fmt((endedAt - recoveredAt) / 1000, 0)} s (${int(result.pending)} still held)`
    : drainedMs === undefined
      ? 'nothing sent after recovery'
      : fmt(drainedMs / 1000);
  const notes = [];
  const details = {
    requestsWhileDown: downStats.requestsDown + 0,
    firstAfterRecovery: final.firstNewAt === undefined ? undefined : final.firstNewAt - recoveredAt,
    pushesAfterRecovery: final.requestsUp,
    maxEntriesPerPush: final.maxEntriesPerPush,
    maxLineMiBPerPush: final.maxLineBytesPerPush / MiB,
    pushesOverLokiBurst: final.pushesOverLokiBurst,
    peakOutage: result.peakOutage / MiB,
    retained: logged.retainedAtRecovery / MiB,
    retainedAfter: result.retainedAfterDrain / MiB,
    formats: Object.keys(final.formats).join(', ') || '—',
    duplicates: final.rawEntries - final.distinct,
    ended: why,
  };
  let unaccounted;
  let goodNotice;
  // A run of stored userIds as entry numbers.
  const span = (r) => (Array.isArray(r) ? `#${int(r[0] - 100_000)}–#${int(r[1] - 100_000)}` : r);
  if (run.library === 'cloudlog') {
    const s = result.stats;
    const reasons = Object.entries(s.dropped)
      .filter(([k, v]) => k !== 'total' && v > 0)
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ');
    // Every scenario entry is stored, dropped (and counted), or still queued; nothing else.
    unaccounted = logged.logged - delivered - s.dropped.total - s.queued;
    const notice = final.otherLines.find((l) => l.includes('cloudlog dropped'));
    let noticeTotal;
    try {
      noticeTotal = notice === undefined ? undefined : JSON.parse(notice).droppedTotal;
    } catch {}
    goodNotice = s.dropped.total === 0 ? final.other === 0 : noticeTotal === s.dropped.total;
    notes.push(`stats(): sent ${int(s.sent)}, dropped ${int(s.dropped.total)}${reasons ? ` (${reasons})` : ''}, retries ${int(s.retries)}, batchesSent ${int(s.batchesSent)}, queued ${int(s.queued)}, breaker ${s.breaker}`);
    notes.push(notice === undefined ? 'no drop notice stored' : `drop notice stored (droppedTotal ${int(noticeTotal)})`);
    notes.push(unaccounted === 0 ? 'every entry accounted for' : `**${int(unaccounted)} entries lost beyond stats()**`);
    if (s.sent !== final.distinct) notes.push(`**stats().sent ${int(s.sent)} ≠ ${int(final.distinct)} stored**`);
    if (s.dropped.total > 0) notes.push(`stored entries: ${final.userIdRuns.map(span).join(', ')} (of #0–#${int(logged.logged - 1)})`);
    const inFlightAtRecovery = logged.statsAtRecovery.queued;
    notes.push(`held at recovery: ${int(inFlightAtRecovery)} entries`);
  } else if (run.library === 'winston-loki') {
    const s = result.stats;
    notes.push(`${int(logged.pendingAtRecovery)} entries held at recovery; failed pushes ${int(s.connectionErrors)}, then waits its 60 s "circuit breaker" interval`);
    notes.push(`largest push ${int(final.maxEntriesPerPush)} entries / ${fmt(final.maxLineBytesPerPush / MiB)} MiB of lines`);
    if (final.pushesOverLokiBurst > 0) notes.push("over Loki's default 6 MB ingestion burst: a real Loki would answer 429 to it every time");
  } else if (run.library === 'none') {
    notes.push('same calls and field objects, no logger: the peak here is young-generation garbage of the harness itself, a floor for every row');
  } else if (run.library === 'pino-loki') {
    notes.push(`no retry: each failed push is lost; buffer ≤ 10 000, oldest dropped; nothing counted (${int(result.stderrLines)} error lines on stderr)`);
  } else if (run.library === 'otel') {
    // Counted by run-library.mjs around the exporter: the SDK itself counts nothing without a meter provider.
    const s = result.stats;
    const r = logged.statsAtRecovery;
    notes.push(`held at recovery: ${int(r.queued + r.inFlight)} (queue ${int(r.queued)} of maxQueueSize ${int(s.maxQueueSize)}, ${int(r.inFlight)} in the export in progress)`);
    notes.push(`dropped at the full queue: ${int(s.droppedAtQueue)} (uncounted by the SDK)`);
    notes.push(`${int(s.exports)} exports of ≤ ${int(s.maxExportBatchSize)} records: ${int(s.failedExports)} failed after the exporter's retries (${int(s.failedRecords)} records lost), ${int(s.sentRecords)} records sent`);
    if (s.sentRecords !== final.distinct) notes.push(`**${int(s.sentRecords)} records in successful exports ≠ ${int(final.distinct)} stored**`);
    if (delivered > 0) notes.push(`stored entries: ${final.userIdRuns.map(span).join(', ')} (of #0–#${int(logged.logged - 1)})`);
  }
  if (final.other > 0 && run.library !== 'cloudlog') notes.push(`${final.other} other entries stored`);
  if (final.badRequests > 0) notes.push(`${final.badRequests} undecodable pushes: ${final.badReasons.join('; ')}`);
  if (logged.lateTicks > 10) notes.push(`logging fell behind schedule on ${logged.lateTicks} ticks (${fmt(logged.loggedMs / 1000)} s)`);
  return {
    name: run.name,
    library: run.library,
    label: run.label,
    options: run.options,
    logged: logged.logged,
    loggedMs: logged.loggedMs,
    delivered,
    deliveredPct: (100 * delivered) / logged.logged,
    drainedMs: capped ? undefined : drainedMs,
    drained,
    peakMiB: result.peak / MiB,
    notes,
    details,
    unaccounted,
    goodNotice,
    stats: result.stats,
  };
}

function renderTables(rs) {
  const lines = [];
  lines.push('| library | delivered % | drained in (s after recovery) | peak heap (MiB) | notes |');
  lines.push('| --- | ---: | ---: | ---: | --- |');
  for (const r of rs) {
    lines.push(`| ${r.label} | ${fmt(r.deliveredPct, 2)} % (${int(r.delivered)} / ${int(r.logged)}) | ${r.drained} | ${fmt(r.peakMiB)} | ${r.notes.join('; ')} |`);
  }
  lines.push('');
  lines.push('| library | pushes answered while down | first entry stored after recovery | pushes after recovery | largest push (entries / MiB of lines) | duplicate entries received | peak heap during outage (MiB) | retained heap at recovery (MiB, after GC) | retained heap after drain (MiB, after GC) | body format | run ended because |');
  lines.push('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |');
  for (const r of rs) {
    const d = r.details;
    lines.push(
      `| ${r.name} | ${DOWN === 'refused' ? 'n/a (refused)' : int(d.requestsWhileDown)} | ${d.firstAfterRecovery === undefined ? '—' : secs(d.firstAfterRecovery)} | ${int(d.pushesAfterRecovery)} | ${int(d.maxEntriesPerPush)} / ${fmt(d.maxLineMiBPerPush, 2)} | ${int(d.duplicates)} | ${fmt(d.peakOutage)} | ${fmt(d.retained)} | ${fmt(d.retainedAfter)} | ${d.formats} | ${d.ended} |`,
    );
  }
  return lines.join('\n');
}

function goals(rs) {
  const out = [];
  const by = (name) => rs.find((r) => r.name === name);
  const winston = by('winston-loki');
  const check = (ok, text) => out.push(`- ${ok === undefined ? 'n/a ' : ok ? 'PASS' : 'FAIL'} — ${text}`);
  const cdef = by('cloudlog');
  if (cdef) check(cdef.delivered === cdef.logged, `cloudlog defaults delivers 100 % (${fmt(cdef.deliveredPct, 2)} %)`);
  const tight = by('cloudlog-1MiB');
  if (tight) check(tight.delivered > 0 && tight.delivered < tight.logged && tight.goodNotice, `cloudlog maxQueueBytes 1 MiB delivers what fits (${fmt(tight.deliveredPct, 2)} %) and reports the rest in a drop notice (${tight.goodNotice ? 'stored, total matches stats()' : 'missing or wrong'})`);
  for (const r of rs.filter((x) => x.library === 'cloudlog')) {
    check(r.unaccounted === 0, `${r.name}: no entry lost beyond what stats() reports (unaccounted ${int(r.unaccounted)})`);
    check(r.goodNotice, `${r.name}: drop notice matches stats().dropped.total`);
    check(r.drainedMs !== undefined && r.drainedMs <= 30_000, `${r.name}: drained within 30 s of recovery (${r.drained})`);
    check(winston ? r.peakMiB <= 0.3 * winston.peakMiB : undefined, `${r.name}: peak heap ≤ 0.3× winston-loki's (${fmt(r.peakMiB)} vs ${winston ? fmt(winston.peakMiB) : '—'} MiB${winston ? `, ${fmt(r.peakMiB / winston.peakMiB, 2)}×` : ''})`);
  }
  return out.join('\n');
}

function writeResults(rs, tables, goalText) {
  const start = `<!-- outage:${DOWN}:start -->`;
  const end = `<!-- outage:${DOWN}:end -->`;
  const downText =
    DOWN === '503'
      ? 'endpoint down = the receiver answers **503** to every push (body read first, like a gateway in front of a dead Loki)'
      : 'endpoint down = the receiver closes its port: **connections refused**';
  const section = [
    start,
    `## Endpoint down: ${DOWN === '503' ? '503' : 'connection refused'}`,
    '',
    `${new Date().toISOString()} · Node ${process.version} · ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length} · ${downText}.`,
    `${int(TOTAL)} entries over ${OUTAGE_MS / 1000} s, then up; drain capped at ${DRAIN_CAP_MS / 1000} s. Produced by \`node bench/outage.mjs${DOWN === '503' ? '' : ' --down refused'}\`.`,
    `cloudlog build measured: ${BUILD}.`,
    '',
    tables,
    '',
    'Goals (cloudlog):',
    '',
    goalText,
    end,
  ].join('\n');
  const header = [
    '# Outage benchmark results',
    '',
    'Written by `bench/outage.mjs` (see the comment at its top for the method). One section per way of being down;',
    'each run rewrites its own section. Figures vary run to run (retry jitter, GC timing): run twice before comparing.',
    '',
    '- delivered %: distinct scenario entries stored, keyed like Loki by (stream labels, timestamp in ns, line);',
    '  userId is unique per entry, so no two scenario entries have the same line.',
    '- drained in: from the moment the receiver came back to the last new entry stored, once the library held nothing',
    '  more (cloudlog `stats().queued`, winston-loki its batch and requests in flight, OTel its processor\'s queue and the',
    '  export in progress) or, for pino-loki which cannot be asked, after 11 s of silence (two of its 5 s flush intervals).',
    '- peak heap: max `process.memoryUsage().heapUsed` sampled every 50 ms minus the heap after setup (full GC), over the',
    '  outage and the drain; each library runs in its own process. pino-loki runs in the main thread (a pino stream,',
    '  not `pino.transport()`), otherwise its buffer would sit in a worker isolate that `heapUsed` does not see.',
    '- winston-loki sends protobuf + snappy (its default, as `snappy` is installed); the receiver decodes it itself.',
    '- OpenTelemetry: LoggerProvider + BatchLogRecordProcessor + OTLPLogExporter (OTLP/HTTP JSON to `/v1/logs`), all',
    '  defaults, as in the hot-path and end-to-end benches: a queue of ≤ 2048 records (what is emitted while it is full',
    '  is dropped), exports of 512 one at a time, each retried by the exporter up to 5 times on 503 / network errors',
    '  within its 10 s timeout, then lost. Not flushed at recovery (an app does not know its endpoint is back). A record',
    '  is keyed by (resource attributes, timeUnixNano, body, attributes): the body is the same for every entry, and the',
    '  fields (userId) are attributes, which Loki keeps as structured metadata.',
    '',
  ].join('\n');
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : header;
  if (!text.startsWith('# Outage benchmark results')) text = header;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  text = a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, text.endsWith('\n') ? text : `${text}\n`);
}

// ---------------------------------------------------------------------------------------------

receiver = await forkReceiver({ down: DOWN });
console.log(`receiver ${receiver.url} (down: ${DOWN}); ${int(TOTAL)} entries over ${OUTAGE_MS / 1000} s per library`);
console.log(`cloudlog: ${BUILD}`);
try {
  for (let k = 0; k < RUNS.length; k++) {
    const run = RUNS[k];
    const left = BUDGET_MS - (Date.now() - startedAt);
    const reserve = (RUNS.length - k - 1) * (OUTAGE_MS + 12_000);
    const capMs = Math.min(DRAIN_CAP_MS, left - reserve - OUTAGE_MS - 8_000);
    if (capMs < 15_000) {
      console.log(`- ${run.name}: skipped (time budget)`);
      continue;
    }
    process.stdout.write(`- ${run.name} … `);
    const t = Date.now();
    try {
      const row = summarize(await runOne(run, capMs));
      rows.push(row);
      console.log(`${fmt(row.deliveredPct, 2)} % delivered, drained: ${row.drained}, peak heap ${fmt(row.peakMiB)} MiB (${fmt((Date.now() - t) / 1000, 0)} s)`);
    } catch (error) {
      console.log(`failed: ${error.message}`);
    }
  }
} finally {
  await receiver.close();
}

const tables = renderTables(rows);
const goalText = goals(rows);
console.log(`\n${tables}\n\n${goalText}`);
const complete = ONLY.length === 0 && rows.length === RUNS.length && TOTAL === 100_000 && OUTAGE_MS === 10_000 && DRAIN_CAP_MS === 90_000;
if (complete) {
  writeResults(rows, tables, goalText);
  console.log(`\nwritten to ${RESULTS}`);
} else console.log('\n(partial or non-default run: RESULTS.md not written)');
console.log(`total ${fmt((Date.now() - startedAt) / 1000, 0)} s`);
// For run-all.mjs (with BENCH_JSON=1): the rows, as figures.
emitResult({
  down: DOWN,
  entries: TOTAL,
  outageMs: OUTAGE_MS,
  build: BUILD,
  written: complete,
  rows: rows.map((r) => ({
    name: r.name,
    library: r.library,
    label: r.label,
    options: r.options,
    logged: r.logged,
    delivered: r.delivered,
    deliveredPct: r.deliveredPct,
    drainedMs: r.drainedMs ?? null,
    drained: r.drained,
    peakMiB: r.peakMiB,
    unaccounted: r.unaccounted ?? null,
    notes: r.notes,
  })),
  goals: goalText,
  ok: rows.length === RUNS.length,
});
process.exit(0);
