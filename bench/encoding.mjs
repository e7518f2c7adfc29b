// Encoding choice for the default push body: gzip JSON vs protobuf + snappy, measured on the same
// batch — 5000 entries (cloudlog's default maxBatchEntries) of the bench workload, as cloudlog
// formats them: JSON lines, nanosecond timestamps as decimal strings.
//
//   json+gzip-N     the Loki JSON push body (one JSON.stringify over [ts, line] pairs, as
//                   src/loki/push-body.ts does), then zlib gzip at level N (6 = zlib's and Node's
//                   default; browsers' CompressionStream('gzip') uses zlib's default too)
//   protobuf+snappy logproto.PushRequest encoded by a plain JS encoder (below: one pass to size, one
//                   to write), then snappy block format by the native `snappy` package — the
//                   fastest snappy there is in Node; a browser would need a JS snappy, slower and
//                   extra bundle bytes
//
// Per entry, median of ROUNDS: CPU ns to go from the batch to the bytes to send (all synchronous,
// in this thread, so the clock sees all of it), and bytes of the result. Both bodies are decoded
// back and checked against the batch.
//
// Run: node bench/encoding.mjs
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import { decodePushRequest, snappyUncompress } from './support/loki-decode.mjs';
import { emitResult, makeColumns, median, MESSAGE } from './support/workload.mjs';

const require = createRequire(import.meta.url);
const ENTRIES = 5000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 25);
const LABELS = { service_name: 'bench', env: 'bench' };

let snappy;
try {
  snappy = require('snappy'); // installed with winston-loki (its optional dependency)
} catch {
  snappy = undefined;
}

// The batch: lines and timestamps as cloudlog makes them.
const { userIds, buttons, pages } = makeColumns(ENTRIES);
const lines = [];
const timestamps = [];
const t0ms = Date.now();
for (let i = 0; i < ENTRIES; i++) {
  lines.push(JSON.stringify({ level: 'info', msg: MESSAGE, userId: userIds[i], button: buttons[i], page: pages[i] }));
  // ms·1e6 + a per-stream sequence: unique, strictly increasing (brief, section 3).
  timestamps.push(`${t0ms + (i >> 4)}${String(i & 15).padStart(6, '0')}`);
}
const streamJson = JSON.stringify(LABELS);
const labelString = `{${Object.entries(LABELS)
  .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
  .join(', ')}}`;

function jsonBody() {
  const values = new Array(ENTRIES);
  for (let i = 0; i < ENTRIES; i++) values[i] = [timestamps[i], lines[i]];
  return `{"streams":[{"stream":${streamJson},"values":${JSON.stringify(values)}}]}`;
}

// --- a plain protobuf encoder for logproto.PushRequest (one stream) ------------------------------
const varintSize = (n) => (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : Math.ceil(Math.log2(n + 1) / 7));
function writeVarint(buf, pos, n) {
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}
function protobufBody() {
  // Sizes first (lengths are prefixes), then one write pass into one buffer.
  const n = ENTRIES;
  const lineBytes = new Array(n);
  const secs = new Array(n);
  const nanos = new Array(n);
  const tsSize = new Array(n);
  const entrySize = new Array(n);
  let entriesSize = 0;
  for (let i = 0; i < n; i++) {
    const ts = timestamps[i];
    secs[i] = Number(ts.slice(0, -9));
    nanos[i] = Number(ts.slice(-9));
    lineBytes[i] = Buffer.byteLength(lines[i]);
    tsSize[i] = 1 + varintSize(secs[i]) + (nanos[i] === 0 ? 0 : 1 + varintSize(nanos[i]));
    entrySize[i] = 1 + varintSize(tsSize[i]) + tsSize[i] + 1 + varintSize(lineBytes[i]) + lineBytes[i];
    entriesSize += 1 + varintSize(entrySize[i]) + entrySize[i];
  }
  const labelBytes = Buffer.byteLength(labelString);
  const streamSize = 1 + varintSize(labelBytes) + labelBytes + entriesSize;
  const total = 1 + varintSize(streamSize) + streamSize;
  const buf = Buffer.allocUnsafe(total);
  let p = 0;
  buf[p++] = 0x0a; // streams = 1, LEN
  p = writeVarint(buf, p, streamSize);
  buf[p++] = 0x0a; // labels = 1, LEN
  p = writeVarint(buf, p, labelBytes);
  p += buf.write(labelString, p, 'utf8');
  for (let i = 0; i < n; i++) {
    buf[p++] = 0x12; // entries = 2, LEN
    p = writeVarint(buf, p, entrySize[i]);
    buf[p++] = 0x0a; // timestamp = 1, LEN
    p = writeVarint(buf, p, tsSize[i]);
    buf[p++] = 0x08; // seconds = 1, VARINT
    p = writeVarint(buf, p, secs[i]);
    if (nanos[i] !== 0) {
      buf[p++] = 0x10; // nanos = 2, VARINT
      p = writeVarint(buf, p, nanos[i]);
    }
    buf[p++] = 0x12; // line = 2, LEN
    p = writeVarint(buf, p, lineBytes[i]);
    p += buf.write(lines[i], p, 'utf8');
  }
  if (p !== total) throw new Error(`protobuf size mismatch ${p} ≠ ${total}`);
  return buf;
}

// --- the contenders ------------------------------------------------------------------------------
const variants = [
  { key: 'jsonGzip1', label: 'JSON + gzip level 1', encode: () => gzipSync(jsonBody(), { level: 1 }) },
  { key: 'jsonGzip6', label: 'JSON + gzip level 6 (default)', encode: () => gzipSync(jsonBody(), { level: 6 }) },
  { key: 'jsonGzip9', label: 'JSON + gzip level 9', encode: () => gzipSync(jsonBody(), { level: 9 }) },
  { key: 'json', label: 'JSON, uncompressed (body → UTF-8 bytes)', encode: () => Buffer.from(jsonBody()) },
];
if (snappy) variants.push({ key: 'protobufSnappy', label: 'protobuf + snappy (native)', encode: () => snappy.compressSync(protobufBody()) });

// Check both encodings decode back to the batch.
const check = (push) => push.streams[0].values.length === ENTRIES && push.streams[0].values.every((v, i) => v[0] === timestamps[i] && v[1] === lines[i]);
const okJson = check(JSON.parse(gunzipSync(variants[1].encode()).toString()));
const okProto = snappy ? check(decodePushRequest(snappyUncompress(variants.at(-1).encode()))) : undefined;

for (let w = 0; w < 5; w++) for (const v of variants) v.encode();
const samples = Object.fromEntries(variants.map((v) => [v.key, []]));
const bytes = {};
for (let r = 0; r < ROUNDS; r++) {
  for (const v of r % 2 ? [...variants].reverse() : variants) {
    const c0 = process.cpuUsage();
    const out = v.encode();
    const c1 = process.cpuUsage(c0);
    samples[v.key].push(((c1.user + c1.system) * 1000) / ENTRIES);
    bytes[v.key] = out.length / ENTRIES;
  }
}
const rows = Object.fromEntries(variants.map((v) => [v.key, { label: v.label, cpuNsPerEntry: median(samples[v.key]), bytesPerEntry: bytes[v.key] }]));
console.log(`encoding one ${ENTRIES}-entry batch (median of ${ROUNDS}), per entry: CPU ns (batch → bytes to send), bytes`);
for (const r of Object.values(rows)) console.log(`  ${r.label.padEnd(42)} ${r.cpuNsPerEntry.toFixed(0).padStart(6)} ns  ${r.bytesPerEntry.toFixed(2).padStart(7)} B`);
if (!snappy) console.log('  protobuf + snappy: the snappy package is not installed (it comes with winston-loki): not measured');
console.log(`  round trip: JSON ${okJson ? 'OK' : 'MISMATCH'}, protobuf ${okProto === undefined ? 'n/a' : okProto ? 'OK' : 'MISMATCH'}`);
emitResult({ entries: ENTRIES, rounds: ROUNDS, rows, ok: okJson && okProto !== false });
