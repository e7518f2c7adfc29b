// The one receiver every benchmark sends to, on 127.0.0.1 only.
//
// It speaks what each contender sends, decodes it and counts what arrives — requests, body bytes
// as received (compressed or not), bytes after decompression, and entries:
//   POST /loki/api/v1/push   Loki push: JSON (plain or `Content-Encoding: gzip`) — cloudlog, pino-loki —
//                            or protobuf + snappy block format — winston-loki's default. Answers 204.
//                            Entries = the sum of `values` over all streams.
//   POST /v1/logs            OTLP/HTTP logs, JSON (plain or gzip) — @opentelemetry/exporter-logs-otlp-http.
//                            Answers 200 `{}` (an ExportLogsServiceResponse with no partial success).
//                            Entries = the sum of `logRecords` over resourceLogs[].scopeLogs[].
// Anything else, or a body it cannot decode, is answered 400 and counted as a bad request, so a
// format change in a contender shows up as a failed check rather than as a quiet zero.
// Every answer carries CORS headers (any origin) and OPTIONS preflights are answered, so a page on
// another loopback port can post to it (bench/browser.mjs).
// With `mode: 'hang'` it reads each body and never answers, so a logger's queue just fills up.
//
// Two ways to use it:
//   const sink = await startSink();   // in this process
//   const sink = await forkSink();    // in a child process, so its CPU (decompression, JSON.parse)
//                                     // is not billed to the process being measured
// Both return { url, host, otlpUrl, stats(), reset(), close() }; stats/reset/close return promises.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodePushRequest, snappyUncompress } from './loki-decode.mjs';

const PUSH_PATH = '/loki/api/v1/push';
const OTLP_PATH = '/v1/logs';

function emptyStats() {
  return {
    requests: 0,
    wireBytes: 0,
    rawBytes: 0,
    entries: 0,
    gzipRequests: 0,
    badRequests: 0,
    badReasons: [],
    /** Per body format ('loki json', 'loki json+gzip', 'loki protobuf+snappy', 'otlp json', ...): requests, entries, wireBytes. */
    formats: {},
    firstAt: 0,
    lastAt: 0,
  };
}

function countOtlp(request) {
  let n = 0;
  for (const rl of request.resourceLogs ?? []) for (const sl of rl.scopeLogs ?? []) n += sl.logRecords?.length ?? 0;
  return n;
}

/** Decodes one request; returns { format, entries, rawBytes } or throws. */
function decode(req, body) {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const gzipped = String(req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
  if (req.method !== 'POST') throw new Error(`unexpected ${req.method} ${req.url}`);
  const path = req.url.split('?')[0];
  if (path === PUSH_PATH) {
    if (type === 'application/x-protobuf') {
      const raw = snappyUncompress(body);
      const push = decodePushRequest(raw);
      let entries = 0;
      for (const stream of push.streams) entries += stream.values.length;
      return { format: 'loki protobuf+snappy', entries, rawBytes: raw.length };
    }
    const raw = gzipped ? gunzipSync(body) : body;
    const push = JSON.parse(raw.toString('utf8'));
    let entries = 0;
    for (const stream of push.streams) entries += stream.values.length;
    return { format: gzipped ? 'loki json+gzip' : 'loki json', entries, rawBytes: raw.length };
  }
  if (path === OTLP_PATH) {
    if (type !== 'application/json') throw new Error(`OTLP body of type ${type || '(none)'}: only JSON is decoded here`);
    const raw = gzipped ? gunzipSync(body) : body;
    return { format: gzipped ? 'otlp json+gzip' : 'otlp json', entries: countOtlp(JSON.parse(raw.toString('utf8'))), rawBytes: raw.length, otlp: true };
  }
  throw new Error(`unexpected ${req.method} ${req.url}`);
}

function cors(req) {
  return {
    'access-control-allow-origin': req.headers.origin ?? '*',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'content-type, content-encoding',
    'access-control-max-age': '600',
    vary: 'origin',
  };
}

export function startSink({ mode = 'ok', port = 0 } = {}) {
  let stats = emptyStats();
  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    if (req.method === 'OPTIONS') {
      res.writeHead(204, cors(req)).end();
      return;
    }
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('error', () => {});
    req.on('end', () => {
      if (mode === 'hang') return; // read, never answer
      const body = Buffer.concat(chunks);
      stats.requests += 1;
      stats.wireBytes += body.length;
      const now = Date.now();
      stats.firstAt ||= now;
      stats.lastAt = now;
      try {
        const { format, entries, rawBytes, otlp } = decode(req, body);
        if (req.headers['content-encoding'] === 'gzip') stats.gzipRequests += 1;
        stats.rawBytes += rawBytes;
        stats.entries += entries;
        const f = (stats.formats[format] ??= { requests: 0, entries: 0, wireBytes: 0 });
        f.requests += 1;
        f.entries += entries;
        f.wireBytes += body.length;
        if (otlp) res.writeHead(200, { ...cors(req), 'content-type': 'application/json' }).end('{}');
        else res.writeHead(204, cors(req)).end();
      } catch (error) {
        stats.badRequests += 1;
        if (stats.badReasons.length < 5) stats.badReasons.push(String(error?.message ?? error).slice(0, 200));
        res.writeHead(400, { ...cors(req), 'content-type': 'text/plain' }).end(String(error?.message ?? error));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      const host = `http://127.0.0.1:${actual}`;
      resolve({
        url: `${host}${PUSH_PATH}`,
        host,
        otlpUrl: `${host}${OTLP_PATH}`,
        stats: async () => structuredClone(stats),
        reset: async () => {
          stats = emptyStats();
          // A previous contender's keep-alive connections must not carry over.
          server.closeIdleConnections();
        },
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            // Keep-alive and hanging connections would otherwise hold close() open.
            server.closeAllConnections();
          }),
      });
    });
  });
}

/** Runs the sink in a child process and talks to it over IPC. */
export function forkSink({ mode = 'ok' } = {}) {
  const child = fork(fileURLToPath(import.meta.url), ['--child', mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (message) => {
    const waiter = pending.get(message.id);
    if (waiter === undefined) return;
    pending.delete(message.id);
    waiter(message.value);
  });
  const call = (op) =>
    new Promise((resolve) => {
      const id = ++nextId;
      pending.set(id, resolve);
      child.send({ id, op });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`sink child exited early (${code})`)));
    child.once('message', (message) => {
      if (message.op !== 'ready') return reject(new Error('sink child did not start'));
      child.removeAllListeners('exit');
      resolve({
        url: message.url,
        host: message.host,
        otlpUrl: message.otlpUrl,
        pid: child.pid,
        stats: () => call('stats'),
        reset: () => call('reset'),
        close: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((done) => child.once('exit', done));
          await call('close');
          await exited;
        },
        kill: () => child.kill('SIGKILL'),
      });
    });
  });
}

// Child-process entry point.
if (process.argv[2] === '--child' && process.send !== undefined) {
  const sink = await startSink({ mode: process.argv[3] ?? 'ok' });
  process.on('message', async ({ id, op }) => {
    if (op === 'stats') process.send({ id, value: await sink.stats() });
    else if (op === 'reset') process.send({ id, value: await sink.reset() });
    else if (op === 'close') {
      await sink.close();
      process.send({ id, value: true }, () => process.disconnect());
    }
  });
  // The parent died or let go: don't outlive it.
  process.on('disconnect', () => process.exit(0));
  process.send({ op: 'ready', url: sink.url, host: sink.host, otlpUrl: sink.otlpUrl });
}
