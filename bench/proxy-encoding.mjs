// Which encoding should cloudlog-proxy use towards Loki? Loki takes gzip'd JSON and snappy'd
// protobuf (logproto.PushRequest). For the same SDK-like pushes this measures, per entry, the CPU
// to encode each way and the bytes on the wire:
//
//   node bench/proxy-encoding.mjs          (≈ 10 s)
//
// protobufjs and snappy are not dependencies of cloudlog: they are here through winston-loki (a
// devDependency, compared against elsewhere), which is exactly what a protobuf path would add.
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { createWorkload } from './proxy-workload.mjs';

const require = createRequire(import.meta.url);
const protobuf = require('protobufjs');
const snappy = require('snappy');

// logproto.PushRequest, as pkg/push/push.proto declares it (structured metadata left out).
const root = protobuf.Root.fromJSON({
  nested: {
    PushRequest: { fields: { streams: { rule: 'repeated', type: 'StreamAdapter', id: 1 } } },
    StreamAdapter: { fields: { labels: { type: 'string', id: 1 }, entries: { rule: 'repeated', type: 'EntryAdapter', id: 2 }, hash: { type: 'uint64', id: 3 } } },
    EntryAdapter: { fields: { timestamp: { type: 'Timestamp', id: 1 }, line: { type: 'string', id: 2 } } },
    Timestamp: { fields: { seconds: { type: 'int64', id: 1 }, nanos: { type: 'int32', id: 2 } } },
  },
});
const PushRequest = root.lookupType('PushRequest');

const workload = createWorkload(11);

const encoders = {
  'JSON + gzip level 1 (the proxy re-encoding)': (p) => gzipSync(JSON.stringify({ streams: p.streams.map((s) => ({ stream: s.stream, values: s.values })) }), { level: 1 }),
  'JSON + gzip level 6': (p) => gzipSync(JSON.stringify({ streams: p.streams.map((s) => ({ stream: s.stream, values: s.values })) }), { level: 6 }),
  'protobuf + snappy': (p) =>
    snappy.compressSync(
      PushRequest.encode({
        streams: p.streams.map((s) => ({
          labels: `{${Object.entries(s.stream).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`,
          entries: s.values.map(([ts, line]) => ({ timestamp: { seconds: Number(ts.slice(0, -9)), nanos: Number(ts.slice(-9)) }, line })),
        })),
      }).finish(),
    ),
};

const results = [];
for (const entries of [20, 1000]) {
  const pushes = Array.from({ length: 20 }, () => workload.push(entries));
  for (const [name, encode] of Object.entries(encoders)) {
    for (const p of pushes) encode(p); // warm up
    const rounds = Math.max(5, Math.floor(20_000 / entries));
    let bytes = 0;
    const before = process.cpuUsage();
    for (let r = 0; r < rounds; r++) for (const p of pushes) bytes += encode(p).byteLength;
    const used = process.cpuUsage(before);
    const count = rounds * pushes.length * entries;
    results.push({ entries, name, cpuNsPerEntry: ((used.user + used.system) * 1000) / count, bytesPerEntry: bytes / count });
  }
}

console.log('encoding towards Loki, per entry (SDK-like JSON lines, one stream per push):');
for (const r of results) console.log(`  ${String(r.entries).padStart(4)}-entry pushes  ${r.name.padEnd(44)} ${r.cpuNsPerEntry.toFixed(0).padStart(6)} ns CPU  ${r.bytesPerEntry.toFixed(1).padStart(6)} B`);
console.log('  (the proxy sends a push on unchanged — 0 ns — when it is already gzip JSON and passed validation untouched)');
if (process.env.BENCH_JSON) console.log(`BENCH_RESULT ${JSON.stringify({ results })}`);
