// Runs every benchmark in its own process (no JIT state or heap shared between them), shows
// their output, and prints one markdown table of the figures beside their goals.
//
// Run: npm run build && node --expose-gc bench/run-all.mjs
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const TIMEOUT_MS = 120_000;

function run(script) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', `${here}${script}`], {
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
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result === undefined) reject(new Error(`${script} ended (${signal ?? code}) without a result`));
      else resolve({ ...result, exitCode: code });
    });
  });
}

for (const file of ['../dist/index.js', '../dist/cloudlog.min.js']) {
  if (!existsSync(fileURLToPath(new URL(file, import.meta.url)))) {
    console.error(`bench: ${file.slice(3)} is missing; run \`npm run build\` first.`);
    process.exit(2);
  }
}

const results = {};
for (const [key, script] of [
  ['hot', 'hot-path.mjs'],
  ['wire', 'wire-bytes.mjs'],
  ['heap', 'heap-per-entry.mjs'],
  ['bundle', 'bundle-size.mjs'],
]) {
  console.log(`\n## ${script}\n`);
  results[key] = await run(script);
}

const { hot, wire, heap, bundle } = results;
const met = (ok) => (ok ? 'yes' : '**no**');
const ns = (n) => `${n.toFixed(0)} ns`;
const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const rows = [
  ['hot path: cloudlog `log.info` (delivery running)', ns(hot.ns.cloudlog), '', ''],
  ['hot path: pino → /dev/null, sync', ns(hot.ns.pinoSync), '', ''],
  ['hot path: pino → /dev/null, async', ns(hot.ns.pinoAsync), '', ''],
  ['hot path: `JSON.stringify` of the same entry', ns(hot.ns.stringify), '', ''],
  ["hot path: cloudlog, level 'warn' (info disabled)", `${hot.ns.cloudlogDisabled.toFixed(1)} ns`, '(almost) nothing', ''],
  ['cloudlog / pino (sync)', `${hot.ratioPino.toFixed(2)}×`, '≤ 0.5×', met(hot.ratioPino <= 0.5)],
  ['cloudlog / pino (async)', `${hot.ratioPinoAsync.toFixed(2)}×`, '', ''],
  ['cloudlog / JSON.stringify', `${hot.ratioStringify.toFixed(2)}×`, '≤ 1.5×', met(hot.ratioStringify <= 1.5)],
  ['end to end: cloudlog CPU per entry (call + encode + gzip + POST)', ns(hot.e2e.cloudlog.cpuNs), '', ''],
  ['end to end: pino async CPU per entry (call + write)', ns(hot.e2e.pinoAsync.cpuNs), '', ''],
  [`delivery during hot-path bench (sent / sink received / dropped)`, `${hot.stats.sent} / ${hot.sink.entries} / ${hot.stats.dropped}`, 'all delivered, 0 dropped', met(hot.ok)],
  ['wire: gzip, default batches', `${wire.gzip.wirePerEntry.toFixed(2)} B/entry (${wire.gzip.requests} requests)`, '≤ 12 B/entry', met(wire.gzip.wirePerEntry <= 12 && wire.gzip.ok)],
  ['wire: gzip, 100-entry batches', `${wire.gzipSmall.wirePerEntry.toFixed(2)} B/entry (${wire.gzipSmall.requests} requests)`, '≤ 12 B/entry', met(wire.gzipSmall.wirePerEntry <= 12 && wire.gzipSmall.ok)],
  ["wire: `compression: 'none'`", `${wire.none.wirePerEntry.toFixed(1)} B/entry (${wire.none.requests} requests)`, '', ''],
  ['wire: uncompressed push body', `${wire.gzip.rawPerEntry.toFixed(1)} B/entry`, '', ''],
  ['heap per queued entry', `${heap.bytesPerEntry.toFixed(1)} B (line ≈ ${heap.flatLineBytes} B)`, '≤ 200 B', met(heap.bytesPerEntry <= 200 && heap.ok)],
  ['IIFE `dist/cloudlog.min.js` min+gz (level 9)', kib(bundle.iife.gzip), '≤ 12 KiB', met(bundle.iife.gzip <= 12 * 1024)],
  ['IIFE brotli (q11) / minified', `${kib(bundle.iife.brotli)} / ${kib(bundle.iife.min)}`, '', ''],
  ['of which ky (bundled alone, min+gz)', `${kib(bundle.ky.gzip)} (≈ ${((100 * bundle.ky.gzip) / bundle.iife.gzip).toFixed(0)}%)`, '', ''],
  ['cloudlog without ky (min+gz)', kib(bundle.own.gzip), '', ''],
];

console.log('\n## Summary\n');
console.log(`- Date: ${new Date().toISOString()}`);
console.log(`- Node: ${process.version} (${process.platform} ${process.arch})`);
console.log(`- CPU: ${os.cpus()[0]?.model ?? 'unknown'} × ${os.cpus().length}`);
console.log(`- Hot path: ${hot.rounds} interleaved rounds × ${hot.calls} calls, median; wire: ${wire.entries} entries; heap: ${heap.entries} entries\n`);
console.log('| Figure | Measured | Goal | Met |');
console.log('| --- | --- | --- | --- |');
for (const [figure, value, goal, ok] of rows) console.log(`| ${figure} | ${value} | ${goal} | ${ok} |`);

// A missed goal is a figure to act on; a failed check (lost or dropped entries) makes the run invalid.
const failed = Object.entries(results).filter(([, r]) => !r.ok || r.exitCode !== 0);
if (failed.length > 0) {
  console.log(`\nCheck failed in: ${failed.map(([key]) => key).join(', ')} (see output above).`);
  process.exitCode = 1;
}
