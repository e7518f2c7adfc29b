// cloudlog-proxy on loopback: what it costs and what it holds.
//
//   npm run build && node bench/proxy.mjs          (≈ 100 s; loopback only)
//
// The proxy is the built CLI (dist/proxy-cli.js) in its own process, forwarding to a cheap Loki
// stand-in in another (bench/proxy-sink.mjs); this process generates the load. CPU and memory are
// read from /proc for the proxy's process alone. Three phases:
//
//   1. throughput — 8 concurrent keep-alive clients posting SDK-like gzip'd pushes (unique batch
//      ids, 1000-entry and 20-entry batches) for 10 s each: entries/s stored, proxy CPU per entry.
//   2. latency — one request at a time, 100-entry pushes: straight to the stand-in, then through
//      the proxy; the difference is what the proxy adds (p50, p99).
//   3. hostile — 60 s of valid pushes from 500 addresses alongside gzip bombs, oversized and
//      endless bodies, slowloris uploads, junk, deep nesting, label explosions, floods, abandoned
//      uploads: the proxy's peak RSS (goal ≤ 400 MiB), and how valid pushes fared meanwhile.
//
// BENCH_JSON=1 adds a `BENCH_RESULT {…}` line (the format of bench/run-all.mjs).
import { execSync, fork, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { createWorkload } from './proxy-workload.mjs';

const CLI = fileURLToPath(new URL('../dist/proxy-cli.js', import.meta.url));
const SINK = fileURLToPath(new URL('./proxy-sink.mjs', import.meta.url));
if (!existsSync(CLI)) {
  console.error('bench: dist/proxy-cli.js is missing; run `npm run build` first.');
  process.exit(2);
}
const THROUGHPUT_MS = Number(process.env.BENCH_THROUGHPUT_MS ?? 10_000);
const HOSTILE_MS = Number(process.env.BENCH_HOSTILE_MS ?? 60_000);
const LATENCY_REQUESTS = Number(process.env.BENCH_LATENCY_REQUESTS ?? 800);
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const MIB = 1024 * 1024;

// ── the processes ──

/** CPU time (ms) and memory (bytes) of a process, from /proc. */
function proc(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { cpuMs: ((Number(fields[11]) + Number(fields[12])) / CLK_TCK) * 1000, rss: kib('VmRSS'), peakRss: kib('VmHWM') };
}

async function startSink() {
  const child = fork(SINK, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise((resolve) => child.once('message', resolve));
  return {
    url: `http://127.0.0.1:${port}/loki/api/v1/push`,
    stats: () => new Promise((resolve) => (child.once('message', resolve), child.send({ type: 'stats' }))),
    stop: () => child.kill(),
  };
}

async function startProxy(args) {
  const child = spawn(process.execPath, [CLI, '--port', '0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const url = await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const found = /listening on (\S+)/.exec(stderr)?.[1];
      if (found) (clearInterval(check), resolve(found));
      else if (child.exitCode !== null) (clearInterval(check), reject(new Error(`proxy exited: ${stderr}`)));
    }, 20);
  });
  const origin = new URL(url).origin;
  return {
    pid: child.pid,
    url,
    metrics: () => fetch(`${origin}/metrics`).then((r) => r.text()),
    stop: () => new Promise((resolve) => (child.once('exit', resolve), child.kill('SIGTERM'))),
    stderr: () => stderr,
  };
}

const metric = (text, series) => Number(text.split('\n').find((row) => row.startsWith(`${series} `))?.slice(series.length + 1) ?? 0);

// ── the traffic ──

const workload = createWorkload();
const random = workload.random;

/** A push as the SDK sends it, gzip'd. */
const sdkPush = (entries) => gzipSync(JSON.stringify(workload.push(entries)));

let batchSeq = 0;
const batchId = () => `bench-${process.pid}-${++batchSeq}`.padEnd(16, '0');

function post(url, body, headers, agent) {
  return new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': body.length, ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    });
    req.on('error', () => resolve({ status: 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
    req.end(body);
  });
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

// ── 1. throughput ──

async function throughput(sink, entriesPerPush) {
  const proxy = await startProxy(['--loki-url', sink.url, '--rate-limit-per-second', '0']);
  const bodies = Array.from({ length: 32 }, () => sdkPush(entriesPerPush));
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  // Warm-up: the JIT, the connection pools.
  await Promise.all(Array.from({ length: 8 }, async (_, c) => {
    for (let i = 0; i < 20; i++) await post(proxy.url, bodies[(c + i) % bodies.length], { 'x-cloudlog-batch-id': batchId() }, agent);
  }));
  const before = proc(proxy.pid);
  const started = performance.now();
  const until = started + THROUGHPUT_MS;
  let stored = 0;
  let failed = 0;
  await Promise.all(Array.from({ length: 8 }, async (_, c) => {
    for (let i = c; performance.now() < until; i++) {
      const { status } = await post(proxy.url, bodies[i % bodies.length], { 'x-cloudlog-batch-id': batchId() }, agent);
      if (status === 204) stored += entriesPerPush;
      else failed++;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  const after = proc(proxy.pid);
  agent.destroy();
  await proxy.stop();
  return { entriesPerPush, entriesPerSecond: stored / seconds, pushesPerSecond: stored / entriesPerPush / seconds, cpuNsPerEntry: ((after.cpuMs - before.cpuMs) * 1e6) / stored, proxyCpuShare: (after.cpuMs - before.cpuMs) / 1000 / seconds, failed };
}

// ── 2. latency ──

async function latency(sink) {
  const proxy = await startProxy(['--loki-url', sink.url, '--rate-limit-per-second', '0']);
  const bodies = Array.from({ length: 16 }, () => sdkPush(100));
  const measure = async (url) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = 0; i < 100; i++) await post(url, bodies[i % bodies.length], { 'x-cloudlog-batch-id': batchId() }, agent);
    const times = [];
    for (let i = 0; i < LATENCY_REQUESTS; i++) times.push((await post(url, bodies[i % bodies.length], { 'x-cloudlog-batch-id': batchId() }, agent)).ms);
    agent.destroy();
    return times.sort((a, b) => a - b);
  };
  const direct = await measure(sink.url);
  const through = await measure(proxy.url);
  await proxy.stop();
  const at = (p) => ({ direct: percentile(direct, p), through: percentile(through, p), added: percentile(through, p) - percentile(direct, p) });
  return { p50: at(50), p99: at(99) };
}

// ── 3. hostile ──

const BOMB = gzipSync(Buffer.alloc(1024 * MIB), { level: 9 }); // ≈ 1 MiB of gzip, 1 GiB inflated
const TWO_MIB = Buffer.alloc(2 * MIB, 'x');
const JUNK = Buffer.from(Array.from({ length: 100_000 }, () => Math.floor(random() * 256)));
const DEEP = Buffer.from(`{"streams":${'['.repeat(400_000)}${']'.repeat(400_000)}}`);
const LABELS = Buffer.from(JSON.stringify({ streams: [{ stream: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v'])), values: [[`${Date.now()}000000`, 'x']] }] }));
const ENTRIES = gzipSync(JSON.stringify({ streams: [{ stream: { a: 'b' }, values: Array.from({ length: 50_000 }, (_, i) => [`${Date.now()}${String(i).padStart(6, '0')}`, 'x']) }] }));
const LONG_LINE = gzipSync(JSON.stringify({ streams: [{ stream: { a: 'b' }, values: [[`${Date.now()}000000`, 'y'.repeat(400_000)]] }] }));

let address = 0;
const anyAddress = () => `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address++ & 255}`;

/** One raw request on its own connection; resolves with the status (0 when the connection failed). */
function raw(url, { body, headers = {}, chunked = false }) {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json', 'x-forwarded-for': anyAddress(), ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    if (chunked) {
      // An endless body: chunks until the proxy answers (or 8 MiB).
      let sent = 0;
      const write = () => {
        while (sent < 8 * MIB && req.write(JUNK.subarray(0, 64 * 1024))) sent += 64 * 1024;
        if (sent < 8 * MIB) req.once('drain', write);
        else req.end();
      };
      write();
    } else req.end(body);
  });
}

/** Headers and a little of a 1 MB body, then nothing: held open until the proxy gives up (408). */
function slowloris(origin) {
  return new Promise((resolve) => {
    const { port } = new URL(origin);
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: ${anyAddress()}\r\nContent-Length: 1000000\r\n\r\n{"streams":[`);
    });
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1] ?? 0)));
    socket.on('error', () => undefined);
  });
}

/** Sends half a body, then resets the connection. */
function abandon(origin) {
  return new Promise((resolve) => {
    const { port } = new URL(origin);
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: ${anyAddress()}\r\nContent-Length: 500000\r\n\r\n`);
      socket.write(JUNK);
      setTimeout(() => (socket.resetAndDestroy(), resolve(0)), 10);
    });
    socket.on('error', () => resolve(0));
  });
}

async function hostile(sink) {
  const proxy = await startProxy(['--loki-url', sink.url, '--client-address-header', 'x-forwarded-for']);
  const origin = new URL(proxy.url).origin;
  const gzipHeaders = { 'content-encoding': 'gzip' };
  const attacks = [
    ['gzip bomb (1 MiB → 1 GiB)', () => raw(proxy.url, { body: BOMB, headers: gzipHeaders })],
    ['2 MiB body', () => raw(proxy.url, { body: TWO_MIB })],
    ['endless chunked body', () => raw(proxy.url, { chunked: true })],
    ['random bytes as gzip', () => raw(proxy.url, { body: JUNK, headers: gzipHeaders })],
    ['random bytes as JSON', () => raw(proxy.url, { body: JUNK })],
    ['nesting 400 000 deep', () => raw(proxy.url, { body: DEEP })],
    ['10 000 labels', () => raw(proxy.url, { body: LABELS })],
    ['50 000 entries', () => raw(proxy.url, { body: ENTRIES, headers: gzipHeaders })],
    ['a 400 KB line', () => raw(proxy.url, { body: LONG_LINE, headers: gzipHeaders })],
    ['flood from one address, ×30', () => Promise.all(Array.from({ length: 30 }, () => raw(proxy.url, { body: Buffer.from('{}'), headers: { 'x-forwarded-for': '192.0.2.1' } })))],
    ['new batch id per push', () => raw(proxy.url, { body: Buffer.from('{"streams":[]}'), headers: { 'x-cloudlog-batch-id': batchId() } })],
    ['abandoned upload', () => abandon(origin)],
  ];
  const hostileStatuses = Object.fromEntries(attacks.map(([name]) => [name, {}]));
  const valid = { statuses: {}, times: [], entries: 0 };
  const bodies = Array.from({ length: 32 }, () => sdkPush(200));
  const validAddresses = Array.from({ length: 500 }, (_, i) => `172.16.${i >> 8}.${i & 255}`);

  const samples = [];
  const sampler = setInterval(() => samples.push(proc(proxy.pid).rss), 200);
  const before = proc(proxy.pid);
  const started = performance.now();
  const until = started + HOSTILE_MS;
  const count = (table, status) => {
    for (const one of [status].flat()) table[one] = (table[one] ?? 0) + 1;
  };

  const validLoops = Array.from({ length: 6 }, async (_, c) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    for (let i = c; performance.now() < until; i++) {
      const { status, ms } = await post(proxy.url, bodies[i % bodies.length], { 'x-cloudlog-batch-id': batchId(), 'x-forwarded-for': validAddresses[i % validAddresses.length] }, agent);
      count(valid.statuses, status);
      valid.times.push(ms);
      if (status === 204) valid.entries += 200;
    }
    agent.destroy();
  });
  const hostileLoops = Array.from({ length: 6 }, async (_, c) => {
    for (let i = c; performance.now() < until; i++) {
      const [name, attack] = attacks[i % attacks.length];
      count(hostileStatuses[name], await attack());
    }
  });
  const slowLoops = Array.from({ length: 40 }, async () => {
    while (performance.now() < until) count((hostileStatuses['slowloris upload'] ??= {}), await slowloris(origin));
  });
  await Promise.all([...validLoops, ...hostileLoops, ...slowLoops]);
  clearInterval(sampler);
  const seconds = (performance.now() - started) / 1000;
  const after = proc(proxy.pid);
  const metrics = await proxy.metrics();
  await proxy.stop();
  valid.times.sort((a, b) => a - b);
  // The peak of each tenth of the run: bounded means it levels off, not that it is small.
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const rssByTenth = Array.from({ length: Math.ceil(samples.length / tenth) }, (_, i) => Math.max(...samples.slice(i * tenth, (i + 1) * tenth)));
  return {
    seconds,
    rssByTenth,
    peakRss: Math.max(after.peakRss, ...samples),
    rssBefore: before.rss,
    rssEnd: after.rss,
    proxyCpuShare: (after.cpuMs - before.cpuMs) / 1000 / seconds,
    valid: { statuses: valid.statuses, entriesPerSecond: valid.entries / seconds, p50: percentile(valid.times, 50), p99: percentile(valid.times, 99) },
    hostile: hostileStatuses,
    metrics: {
      dedupIds: metric(metrics, 'cloudlog_proxy_dedup_batch_ids'),
      trackedClients: metric(metrics, 'cloudlog_proxy_rate_limit_clients'),
      rateLimited: metric(metrics, 'cloudlog_proxy_rate_limited_total'),
      inFlight: metric(metrics, 'cloudlog_proxy_in_flight_requests'),
    },
  };
}

// ── run ──

const sink = await startSink();
// Other work on the machine skews every figure: the load average says how much there was.
const load = () => os.loadavg().map((n) => n.toFixed(2)).join(' ');
console.log(`cloudlog-proxy bench — Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${new Date().toISOString()}, load average ${load()}\n`);

const big = await throughput(sink, 1000);
const small = await throughput(sink, 20);
for (const r of [big, small]) {
  console.log(`throughput, ${String(r.entriesPerPush).padStart(4)}-entry pushes: ${Math.round(r.entriesPerSecond).toLocaleString('en')} entries/s (${Math.round(r.pushesPerSecond)} pushes/s), proxy CPU ${Math.round(r.cpuNsPerEntry)} ns/entry (${(r.proxyCpuShare * 100).toFixed(0)}% of a core)${r.failed ? `, ${r.failed} failed` : ''}`);
}

const lat = await latency(sink);
const f = (n) => `${n.toFixed(2)} ms`;
console.log(`latency, 100-entry pushes one at a time: direct p50 ${f(lat.p50.direct)} p99 ${f(lat.p99.direct)}; through the proxy p50 ${f(lat.p50.through)} p99 ${f(lat.p99.through)}; added p50 ${f(lat.p50.added)}, p99 ${f(lat.p99.added)}`);

const bad = await hostile(sink);
const mib = (n) => `${(n / MIB).toFixed(0)} MiB`;
console.log(`\nhostile, ${bad.seconds.toFixed(0)} s: proxy RSS ${mib(bad.rssBefore)} before, peak ${mib(bad.peakRss)}, ${mib(bad.rssEnd)} at the end (goal ≤ 400 MiB); proxy CPU ${(bad.proxyCpuShare * 100).toFixed(0)}% of a core`);
console.log(`  RSS peak by tenth of the run: ${bad.rssByTenth.map(mib).join(', ')}`);
console.log(`  valid pushes meanwhile: ${JSON.stringify(bad.valid.statuses)}, ${Math.round(bad.valid.entriesPerSecond).toLocaleString('en')} entries/s, p50 ${f(bad.valid.p50)}, p99 ${f(bad.valid.p99)}`);
for (const [name, statuses] of Object.entries(bad.hostile)) console.log(`  ${name.padEnd(28)} ${JSON.stringify(statuses)}`);
console.log(`  state at the end: ${bad.metrics.dedupIds} batch ids, ${bad.metrics.trackedClients} clients tracked, ${bad.metrics.rateLimited} rate-limited, ${bad.metrics.inFlight} in flight`);

console.log(`\nload average at the end: ${load()}`);
sink.stop();
const ok = bad.peakRss <= 400 * MIB && !big.failed && !small.failed;
if (process.env.BENCH_JSON) console.log(`BENCH_RESULT ${JSON.stringify({ big, small, latency: lat, hostile: bad, ok })}`);
if (!ok) process.exitCode = 1;
