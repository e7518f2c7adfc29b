// A Loki push receiver for bench/outage.mjs, on 127.0.0.1 only, that can be taken down and
// brought back.
//
// Down, it behaves in one of two ways (option `down`):
//   '503'     — the listener stays open, reads each request body and answers
//               `503 Service Unavailable` (what a load balancer or gateway in front of a dead Loki says);
//   'refused' — the listener is closed (and open connections destroyed), so connects get ECONNREFUSED;
//               coming back re-listens on the same port.
// Up, it takes Loki pushes on /loki/api/v1/push the way Loki does and answers 204:
//   - `application/json`, plain or `Content-Encoding: gzip`;
//   - `application/x-protobuf`: logproto.PushRequest compressed with snappy *block* format
//     (winston-loki's default). Both are decoded here, by hand (no dependency): see
//     snappyUncompress() and decodePushRequest() in ../support/loki-decode.mjs.
// and OTLP/HTTP logs on /v1/logs, JSON (plain or gzip; what @opentelemetry/exporter-logs-otlp-http
// sends), answered 200 `{}` (an ExportLogsServiceResponse with no partial success).
// Every Loki entry is keyed by (stream labels, timestamp in ns, line), the key on which Loki merges
// identical entries, and only distinct keys are counted as stored. An OTLP log record is keyed the
// way Loki's OTLP ingestion would store it: (resource attributes, the stream's labels; timeUnixNano;
// body, the line; the record's attributes, which Loki keeps as structured metadata). The attributes
// belong in the key because the scenario's fields travel there, not in the body, which is the same
// for every entry: the userId makes each scenario record distinct, and a resend of a record is
// identical in every part, so it counts once.
//
// Use it in this process (`startReceiver()`), or as a child process driven over IPC
// (`forkReceiver()`, which is what outage.mjs does: the receiver's decoding is then not billed to
// the library being measured, and arrival times and the recovery instant share one clock).
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { decodePushRequest, snappyUncompress } from '../support/loki-decode.mjs';

export { decodePushRequest, parseLabelString, snappyUncompress } from '../support/loki-decode.mjs';

export const PUSH_PATH = '/loki/api/v1/push';
export const OTLP_PATH = '/v1/logs';

/** Loki's default per-tenant ingestion_burst_size_mb: a push whose lines exceed it is refused (429) forever. */
const LOKI_BURST_BYTES = 6 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------

function streamKey(stream) {
  return JSON.stringify(Object.keys(stream ?? {}).sort().map((k) => [k, String(stream[k])]));
}

/** An OTLP AnyValue as text (intValue may come as a string or a number in JSON). */
function anyValueText(value) {
  if (value?.stringValue !== undefined) return String(value.stringValue);
  if (value?.intValue !== undefined) return String(value.intValue);
  return JSON.stringify(value ?? null);
}

/** OTLP attributes as [key, text] pairs, sorted by key. */
function attributePairs(attributes) {
  return (attributes ?? []).map((a) => [String(a.key), anyValueText(a.value)]).sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/**
 * Decodes one request into { format, entries: [{ key, line, bytes, userId }] }, or throws. `line` is
 * what the scenario marker is looked for in; `bytes`, what Loki counts against its ingestion burst.
 */
function decodeRequest(req, body) {
  const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  const gzipped = String(req.headers['content-encoding'] ?? '').toLowerCase() === 'gzip';
  if (req.method === 'POST' && req.url === PUSH_PATH) {
    let push;
    let format;
    if (type === 'application/x-protobuf') {
      format = 'protobuf+snappy';
      push = decodePushRequest(snappyUncompress(body));
    } else {
      format = gzipped ? 'json+gzip' : 'json';
      push = JSON.parse((gzipped ? gunzipSync(body) : body).toString('utf8'));
    }
    if (!Array.isArray(push?.streams)) throw new Error('no streams');
    const entries = [];
    for (const s of push.streams) {
      const sk = streamKey(s.stream);
      for (const v of s.values ?? []) {
        const line = String(v[1]);
        // Loki parses the timestamp as an int64: "0001" and "1" are the same instant.
        const key = `${sk}\n${BigInt(v[0]).toString()}\n${line}`;
        entries.push({ key, line, bytes: Buffer.byteLength(line), userId: /"userId":(\d+)/.exec(line)?.[1] });
      }
    }
    return { format, entries };
  }
  if (req.method === 'POST' && req.url === OTLP_PATH) {
    if (type !== 'application/json') throw new Error(`OTLP body of type ${type || '(none)'}: only JSON is decoded here`);
    const request = JSON.parse((gzipped ? gunzipSync(body) : body).toString('utf8'));
    if (!Array.isArray(request?.resourceLogs)) throw new Error('no resourceLogs');
    const entries = [];
    for (const rl of request.resourceLogs) {
      const rk = JSON.stringify(attributePairs(rl.resource?.attributes));
      for (const sl of rl.scopeLogs ?? []) {
        for (const lr of sl.logRecords ?? []) {
          const line = anyValueText(lr.body);
          // Loki falls back to the observed time when a record has no time of its own.
          const ns = BigInt(lr.timeUnixNano && lr.timeUnixNano !== '0' ? lr.timeUnixNano : (lr.observedTimeUnixNano ?? 0));
          const attributes = attributePairs(lr.attributes);
          // Loki counts structured metadata (names and values) with the line against its limits.
          let bytes = Buffer.byteLength(line);
          for (const [k, v] of attributes) bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
          const userId = attributes.find(([k]) => k === 'userId')?.[1];
          entries.push({ key: `${rk}\n${ns}\n${line}\n${JSON.stringify(attributes)}`, line, bytes, userId });
        }
      }
    }
    return { format: gzipped ? 'otlp json+gzip' : 'otlp json', entries, otlp: true };
  }
  throw new Error(`unexpected ${req.method} ${req.url}`);
}

// ---------------------------------------------------------------------------------------------
// The receiver

function emptyState() {
  return {
    keys: new Set(),
    userIds: [], // of stored scenario entries, to show which stretch of the outage survived
    scenario: 0, // distinct stored entries that are the scenario's log line
    other: 0, // distinct stored entries that are not (e.g. cloudlog's drop notice)
    otherLines: [],
    rawEntries: 0, // entries received while up, duplicates included
    requestsUp: 0,
    requestsDown: 0,
    bytesDown: 0,
    badRequests: 0,
    badReasons: [],
    formats: {},
    maxEntriesPerPush: 0,
    maxLineBytesPerPush: 0,
    maxWireBytesPerPush: 0,
    pushesOverLokiBurst: 0,
    firstNewAt: undefined, // first distinct entry stored after the last `up`
    lastNewAt: undefined,
    recoveredAt: undefined,
    downSince: undefined,
  };
}

/** Contiguous runs of the stored userIds: [[from, to], …], at most 6 (then the count of the rest). */
function runs(ids) {
  const sorted = Int32Array.from(ids).sort();
  const out = [];
  let more = 0;
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] <= sorted[j] + 1) j++;
    if (out.length < 6) out.push([sorted[i], sorted[j]]);
    else more += 1;
    i = j + 1;
  }
  return more > 0 ? [...out, `+${more} more runs`] : out;
}

/**
 * Starts the receiver, down. `marker` is a substring that identifies the scenario's entries.
 * Resolves to { url, port, up(), down(), reset(), stats(), close() }.
 */
export async function startReceiver({ down = '503', marker = 'user clicked button', port = 0 } = {}) {
  if (down !== '503' && down !== 'refused') throw new Error(`down must be '503' or 'refused', got ${down}`);
  let state = emptyState();
  let isUp = false;

  const server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('error', () => {});
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!isUp) {
        state.requestsDown += 1;
        state.bytesDown += body.length;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('upstream unavailable\n');
        return;
      }
      state.requestsUp += 1;
      try {
        const { format, entries, otlp } = decodeRequest(req, body);
        state.formats[format] = (state.formats[format] ?? 0) + 1;
        const now = Date.now();
        let lineBytes = 0;
        for (const { key, line, bytes, userId } of entries) {
          lineBytes += bytes;
          if (state.keys.has(key)) continue;
          state.keys.add(key);
          if (line.includes(marker)) {
            state.scenario += 1;
            if (userId !== undefined) state.userIds.push(Number(userId));
          }
          else {
            state.other += 1;
            if (state.otherLines.length < 5) state.otherLines.push(line.slice(0, 300));
          }
          state.firstNewAt ??= now;
          state.lastNewAt = now;
        }
        state.rawEntries += entries.length;
        state.maxEntriesPerPush = Math.max(state.maxEntriesPerPush, entries.length);
        state.maxLineBytesPerPush = Math.max(state.maxLineBytesPerPush, lineBytes);
        state.maxWireBytesPerPush = Math.max(state.maxWireBytesPerPush, body.length);
        if (lineBytes > LOKI_BURST_BYTES) state.pushesOverLokiBurst += 1;
        if (otlp) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        else res.writeHead(204).end();
      } catch (error) {
        state.badRequests += 1;
        if (state.badReasons.length < 5) state.badReasons.push(String(error?.message ?? error));
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error?.message ?? error));
      }
    });
  });

  const listen = (p) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => {
        server.off('error', reject);
        resolve(server.address().port);
      });
    });
  const unlisten = () =>
    new Promise((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const actualPort = await listen(port);
  const takeDown = async () => {
    isUp = false;
    state.downSince = Date.now();
    if (down === 'refused') await unlisten();
  };
  await takeDown();

  return {
    url: `http://127.0.0.1:${actualPort}${PUSH_PATH}`,
    host: `http://127.0.0.1:${actualPort}`,
    port: actualPort,
    async up() {
      if (!server.listening) await listen(actualPort);
      isUp = true;
      state.recoveredAt = Date.now();
      state.firstNewAt = undefined;
      state.lastNewAt = undefined;
      return state.recoveredAt;
    },
    down: takeDown,
    /** Forgets everything stored and goes down again (between runs). */
    async reset() {
      state = emptyState();
      // Connections of the previous run's client must not leak into the next run.
      server.closeAllConnections();
      await takeDown();
    },
    async stats() {
      const { keys, userIds, ...rest } = state;
      return { ...rest, distinct: keys.size, up: isUp, userIdRuns: runs(userIds) };
    },
    close: unlisten,
  };
}

/** The receiver in a child process, driven over IPC. Same interface, every method async. */
export async function forkReceiver(options = {}) {
  const child = fork(fileURLToPath(import.meta.url), ['--child', JSON.stringify(options)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let nextId = 0;
  const pending = new Map();
  child.on('message', (m) => {
    const waiter = pending.get(m.id);
    if (waiter === undefined) return;
    pending.delete(m.id);
    if (m.error) waiter.reject(new Error(m.error));
    else waiter.resolve(m.value);
  });
  child.on('exit', (code) => {
    for (const w of pending.values()) w.reject(new Error(`receiver exited (${code})`));
    pending.clear();
  });
  const call = (op) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      child.send({ id, op });
    });
  const info = await call('info');
  return {
    ...info,
    child,
    up: () => call('up'),
    down: () => call('down'),
    reset: () => call('reset'),
    stats: () => call('stats'),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

if (process.argv[2] === '--child' && process.send) {
  const receiver = await startReceiver(JSON.parse(process.argv[3] ?? '{}'));
  process.on('message', async ({ id, op }) => {
    try {
      let value;
      if (op === 'info') value = { url: receiver.url, host: receiver.host, port: receiver.port };
      else if (op === 'up' || op === 'down' || op === 'reset' || op === 'stats') value = await receiver[op]();
      else throw new Error(`unknown op ${op}`);
      process.send({ id, value });
    } catch (error) {
      process.send({ id, error: String(error?.message ?? error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
