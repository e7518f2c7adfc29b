// Wire bytes: log 100 000 entries `log.info('user clicked button', { userId, button, page })`
// through cloudlog to a loopback sink, `await log.flush()`, and report per entry the request-body
// bytes as received (after compression) and after gunzip, plus the number of requests.
// Runs with default batching (gzip), then `compression: 'none'`, then gzip with 100-entry batches
// — what an app logging ~100 entries/s sends with the 1 s flush interval: smaller batches
// compress worse, so that line shows the realistic end of the range.
//
// Entries are logged in chunks of 1000 with an event-loop turn between them, so batches form and
// go out while logging continues, as in an app.
//
// Run: npm run build && node --expose-gc bench/wire-bytes.mjs
import { setImmediate as turn } from 'node:timers/promises';
import { createLogger } from '../dist/index.js';
import { startSink } from './support/sink-server.mjs';
import { emitResult, makeColumns, MESSAGE } from './support/workload.mjs';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 100_000);
const CHUNK = 1000;
const { userIds, buttons, pages } = makeColumns(ENTRIES);

async function measure(extraOptions) {
  const sink = await startSink();
  const log = createLogger({
    url: sink.url,
    labels: { service_name: 'bench', env: 'bench' },
    // Room for everything, so the figure is never flattered by shed entries (checked below).
    maxQueueEntries: ENTRIES,
    maxQueueBytes: 256 * 1024 * 1024,
    ...extraOptions,
  });
  for (let start = 0; start < ENTRIES; start += CHUNK) {
    const end = Math.min(ENTRIES, start + CHUNK);
    for (let i = start; i < end; i++) log.info(MESSAGE, { userId: userIds[i], button: buttons[i], page: pages[i] });
    await turn();
  }
  const flushed = await log.flush(60_000);
  const stats = log.stats();
  await log.close();
  const received = await sink.stats();
  await sink.close();
  const ok = flushed && stats.dropped.total === 0 && received.entries === ENTRIES && received.badRequests === 0;
  return {
    wirePerEntry: received.wireBytes / ENTRIES,
    rawPerEntry: received.rawBytes / ENTRIES,
    requests: received.requests,
    entriesPerRequest: ENTRIES / received.requests,
    wireBytes: received.wireBytes,
    rawBytes: received.rawBytes,
    bytesSentStat: stats.bytesSent,
    received: received.entries,
    dropped: stats.dropped.total,
    ok,
  };
}

const gzip = await measure({});
const none = await measure({ compression: 'none' });
const gzipSmall = await measure({ maxBatchEntries: 100 });

console.log(`wire bytes: ${ENTRIES} entries per run`);
const row = (label, r) =>
  console.log(
    `  ${label.padEnd(30)} ${r.wirePerEntry.toFixed(2).padStart(7)} B/entry on the wire, ${r.rawPerEntry.toFixed(1).padStart(6)} B/entry uncompressed, ` +
      `${r.requests} requests (${r.entriesPerRequest.toFixed(0)} entries each); received ${r.received}, dropped ${r.dropped}, stats.bytesSent ${r.bytesSentStat} → ${r.ok ? 'OK' : 'MISMATCH'}`,
  );
row('gzip (defaults)', gzip);
row("compression: 'none'", none);
row('gzip, 100-entry batches', gzipSmall);
console.log(`  goal: ≤ 12 B/entry on the wire`);

emitResult({ entries: ENTRIES, gzip, none, gzipSmall, ok: gzip.ok && none.ok && gzipSmall.ok });
if (!(gzip.ok && none.ok && gzipSmall.ok)) process.exitCode = 1;
