// A minimal Loki push receiver for the benchmarks, on 127.0.0.1 only.
//
// It counts what arrives — requests, body bytes as received (compressed or not), bytes after
// gunzip, and entries (the sum of `values` over all streams) — and answers 204 like Loki.
// With `mode: 'hang'` it reads the body and never answers, so a logger's queue just fills up.
//
// Two ways to use it:
//   const sink = await startSink();   // in this process
//   const sink = await forkSink();    // in a child process, so its CPU (gunzip, JSON.parse)
//                                     // is not billed to the process being measured
// Both return { url, stats(), reset(), close() }; stats/reset/close return promises.
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

const PUSH_PATH = '/loki/api/v1/push';

function emptyStats() {
  return { requests: 0, wireBytes: 0, rawBytes: 0, entries: 0, gzipRequests: 0, badRequests: 0 };
}

export function startSink({ mode = 'ok', port = 0 } = {}) {
  let stats = emptyStats();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (mode === 'hang') return; // read, never answer
      const body = Buffer.concat(chunks);
      stats.requests += 1;
      stats.wireBytes += body.length;
      try {
        if (req.method !== 'POST' || req.url !== PUSH_PATH) throw new Error(`unexpected ${req.method} ${req.url}`);
        const gzipped = req.headers['content-encoding'] === 'gzip';
        const raw = gzipped ? gunzipSync(body) : body;
        if (gzipped) stats.gzipRequests += 1;
        stats.rawBytes += raw.length;
        const push = JSON.parse(raw.toString('utf8'));
        for (const stream of push.streams) stats.entries += stream.values.length;
        res.writeHead(204).end();
      } catch (error) {
        stats.badRequests += 1;
        res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error?.message ?? error));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: actual } = server.address();
      resolve({
        url: `http://127.0.0.1:${actual}${PUSH_PATH}`,
        stats: async () => ({ ...stats }),
        reset: async () => {
          stats = emptyStats();
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
        stats: () => call('stats'),
        reset: () => call('reset'),
        close: async () => {
          const exited = new Promise((done) => child.once('exit', done));
          await call('close');
          await exited;
        },
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
  process.send({ op: 'ready', url: sink.url });
}
