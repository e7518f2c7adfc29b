// One library, one outage, in its own process (so heaps don't mix). Driven by bench/outage.mjs
// over IPC; run with --expose-gc.
//
//   node --expose-gc bench/outage/run-library.mjs <library> <receiver host> '<options JSON>'
//
// Protocol: child → {type:'ready'}; parent → {type:'start'}; the child logs N entries over the
// outage, then → {type:'logged', ...}. Parent → {type:'poll'} (child → {type:'poll', pending,
// stats}), repeatedly, then {type:'finish'} (child → {type:'result', ...} and exits).
//
// `pending` is what the library still holds and will try to send: cloudlog `stats().queued`;
// winston-loki, entries in its batcher plus requests in flight; OTel, records in its batch
// processor's queue plus those in the export in progress (retries included); pino-loki keeps its
// buffer in a closure, so null (the parent then waits for two of its flush intervals of silence).

const [, , library, host, optionsJson = '{}'] = process.argv;
const extra = JSON.parse(optionsJson);
const TOTAL = Number(process.env.OUTAGE_ENTRIES ?? 100_000);
const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 10_000);
const TICK_MS = 10;
const SAMPLE_MS = 50;
const LABELS = { service_name: 'outage-bench' };
const BUTTONS = ['buy', 'add-to-cart', 'search', 'login'];
const PAGES = ['/', '/cart', '/product/17', '/checkout'];

if (typeof globalThis.gc !== 'function') {
  console.error('run with node --expose-gc');
  process.exit(2);
}

const send = (message) => new Promise((resolve) => process.send(message, () => resolve()));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------
// The library under test: info(msg, fields), pending(), stats()

async function setup() {
  if (library === 'cloudlog') {
    // outage.mjs passes a copy of dist/index.js taken when it started, so that every cloudlog row of
    // one run measures the same build even if dist/ is rebuilt meanwhile.
    const { createLogger } = await import(process.env.CLOUDLOG_DIST ?? '../../dist/index.js');
    const log = createLogger({ url: `${host}/loki/api/v1/push`, labels: LABELS, ...extra });
    return {
      info: (msg, fields) => log.info(msg, fields),
      pending: () => log.stats().queued,
      stats: () => log.stats(),
    };
  }
  if (library === 'winston-loki') {
    const { default: winston } = await import('winston');
    const { default: LokiTransport } = await import('winston-loki');
    let connectionErrors = 0;
    // Batching on (its default), protobuf + snappy (its default when `snappy` is installed, as it
    // is here as its optional dependency), every other option its default.
    const transport = new LokiTransport({
      host,
      labels: LABELS,
      batching: true,
      onConnectionError: () => (connectionErrors += 1),
      ...extra,
    });
    const logger = winston.createLogger({ level: 'info', transports: [transport] });
    const batcher = transport.batcher;
    return {
      info: (msg, fields) => logger.info(msg, fields),
      pending: () => batcher.batch.streams.reduce((n, s) => n + s.entries.length, 0) + batcher.batchesSending,
      stats: () => ({
        connectionErrors,
        contentType: batcher.contentType,
        intervalMs: batcher.interval,
        batched: batcher.batch.streams.reduce((n, s) => n + s.entries.length, 0),
        sending: batcher.batchesSending,
      }),
    };
  }
  if (library === 'pino-loki') {
    const { default: pino } = await import('pino');
    const { default: pinoLoki } = await import('pino-loki');
    // In this thread, not through pino.transport() (a worker thread): process.memoryUsage().heapUsed
    // is this isolate's heap only, and the buffer must be in it to be measured. Its defaults:
    // batching on, every 5 s, at most 10 000 buffered (the oldest dropped), no retry.
    const stream = pinoLoki({ host, labels: LABELS, ...extra });
    const logger = pino({ level: 'info' }, stream);
    return {
      info: (msg, fields) => logger.info(fields, msg),
      pending: () => null,
      stats: () => ({}),
    };
  }
  if (library === 'otel') {
    const { SeverityNumber } = await import('@opentelemetry/api-logs');
    const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
    const { resourceFromAttributes } = await import('@opentelemetry/resources');
    // Set up as bench/support/contenders.mjs does, every option its default: the processor queues at
    // most 2048 records (further emits are dropped, uncounted unless a meter provider is given) and
    // exports 512 at a time, one export at a time; the exporter posts OTLP/HTTP JSON, uncompressed,
    // and retries 429/502/503/504 and network errors up to 5 times (1 s backoff × 1.5, jittered)
    // within its 10 s timeout, after which the batch is lost.
    const { exporter: exporterOptions = {}, ...processorOptions } = extra;
    const exporter = new OTLPLogExporter({ url: `${host}/v1/logs`, ...exporterOptions });
    const processor = new BatchLogRecordProcessor({ exporter, ...processorOptions });
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': LABELS.service_name }),
      processors: [processor],
    });
    const logger = provider.getLogger('outage-bench');
    // Counted from outside, changing nothing: the SDK keeps no such counts. Each export call of the
    // processor is seen with its records and its outcome; with the processor's own buffer
    // (`_finishedLogRecords`, which contenders.mjs reads too) that says what the SDK still holds.
    const counts = { emitted: 0, exports: 0, failedExports: 0, sentRecords: 0, failedRecords: 0, inFlight: 0 };
    const exportBatch = exporter.export.bind(exporter);
    exporter.export = (records, done) => {
      counts.exports += 1;
      counts.inFlight += records.length;
      exportBatch(records, (result) => {
        counts.inFlight -= records.length;
        if (result.code === 0 /* ExportResultCode.SUCCESS */) counts.sentRecords += records.length;
        else {
          counts.failedExports += 1;
          counts.failedRecords += records.length;
        }
        done(result);
      });
    };
    const INFO = SeverityNumber.INFO;
    const queued = () => processor._finishedLogRecords.length;
    return {
      info: (msg, fields) => {
        counts.emitted += 1;
        logger.emit({ severityNumber: INFO, severityText: 'INFO', body: msg, attributes: fields });
      },
      // No forceFlush() at recovery: an app does not know its endpoint came back. The processor
      // drains on its own (next batch when the previous export ends), and this says when it is done.
      pending: () => queued() + counts.inFlight,
      stats: () => {
        const held = queued() + counts.inFlight;
        // Every emitted record was queued and handed to the exporter, is still held, or was
        // dropped at the queue bound.
        const droppedAtQueue = counts.emitted - held - counts.sentRecords - counts.failedRecords;
        return { ...counts, queued: queued(), droppedAtQueue, maxQueueSize: processor._maxQueueSize, maxExportBatchSize: processor._maxExportBatchSize };
      },
    };
  }
  if (library === 'none') {
    // The control row: the same calls and field objects, kept reachable one at a time so that they
    // are really allocated, and no logger. Its "peak heap" is the harness's own floor (young-generation
    // garbage between scavenges), to read the other rows against.
    let last;
    return {
      info: (msg, fields) => {
        last = [msg, fields];
      },
      pending: () => (last === undefined ? 0 : 0),
      stats: () => ({}),
    };
  }
  throw new Error(`unknown library ${library}`);
}

// ---------------------------------------------------------------------------------------------

const lib = await setup();
// pino-loki prints every failed push to stderr; count them here rather than flood the parent.
let stderrLines = 0;
const realError = console.error;
console.error = (...args) => {
  stderrLines += 1;
  if (stderrLines <= 2) realError(...args);
};

await sleep(200);
globalThis.gc();
await sleep(50);
globalThis.gc();
const baseline = process.memoryUsage().heapUsed;
let peak = baseline;
let peakOutage = baseline;
let phase = 'outage';
const sampler = setInterval(() => {
  const h = process.memoryUsage().heapUsed;
  if (h > peak) peak = h;
  if (phase === 'outage' && h > peakOutage) peakOutage = h;
}, SAMPLE_MS);

await send({ type: 'ready' });
await new Promise((resolve) => process.once('message', (m) => m.type === 'start' && resolve()));

// The outage: TOTAL entries spread evenly over OUTAGE_MS, in TICK_MS ticks, on a drift-free schedule.
const ticks = Math.round(OUTAGE_MS / TICK_MS);
const perTick = Math.ceil(TOTAL / ticks);
const t0 = performance.now();
let i = 0;
let lateTicks = 0;
for (let tick = 0; tick < ticks && i < TOTAL; tick++) {
  const due = t0 + tick * TICK_MS;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  else if (wait < -TICK_MS) lateTicks += 1;
  for (let k = 0; k < perTick && i < TOTAL; k++, i++) {
    lib.info('user clicked button', { userId: 100_000 + i, button: BUTTONS[i & 3], page: PAGES[(i >> 2) & 3] });
  }
}
const loggedMs = performance.now() - t0;
phase = 'drain';
const statsAtRecovery = lib.stats();
const pendingAtRecovery = lib.pending();
// Retained heap at the end of the outage: what the library holds, garbage collected away.
globalThis.gc();
const retainedAtRecovery = process.memoryUsage().heapUsed - baseline;
process.on('message', async (m) => {
  if (m.type === 'poll') {
    await send({ type: 'poll', pending: lib.pending(), stats: lib.stats() });
  } else if (m.type === 'finish') {
    clearInterval(sampler);
    const h = process.memoryUsage().heapUsed;
    if (h > peak) peak = h;
    // What is still held once delivery is over (a leak check), garbage collected away.
    globalThis.gc();
    const retainedAfterDrain = process.memoryUsage().heapUsed - baseline;
    await send({
      type: 'result',
      baseline,
      peak: peak - baseline,
      peakOutage: peakOutage - baseline,
      retainedAtRecovery,
      retainedAfterDrain,
      pending: lib.pending(),
      stats: lib.stats(),
      stderrLines,
    });
    // No close(): the run is over, and winston-loki's exit hook would try to send again.
    process.exit(0);
  }
});
await send({ type: 'logged', logged: i, loggedMs, lateTicks, pendingAtRecovery, statsAtRecovery, retainedAtRecovery });
