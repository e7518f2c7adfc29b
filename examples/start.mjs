// `npm start`: see logs arrive without installing Loki.
//
// Starts cloudlog-proxy on 127.0.0.1:3100 with its embedded local sink (entries printed here and
// appended to examples/demo-logs.ndjson) — or forwarding to Loki when LOKI_URL is set — serves a
// demo page at / that logs through the <script> bundle, and runs examples/node-demo.mjs, which
// logs from Node through the same proxy.
//
//   npm start                      # then open http://127.0.0.1:3100/
//   PORT=8080 npm start
//   LOKI_URL=http://localhost:3100/loki/api/v1/push PORT=3200 npm start
//   npm start -- --once            # start, log from Node, check it arrived, exit (CI)
//
// It is also an example of embedding the proxy in a Node server: the proxy is middleware
// (toNodeListener), and what it does not serve falls through to the demo's static files.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { createLocalSink, createProxyHandler, toNodeListener } from 'cloudlog/proxy';

const once = process.argv.includes('--once');
const host = process.env.HOST ?? '127.0.0.1';
// --once picks a free port unless PORT is given, so CI never collides with a running demo.
const port = Number(process.env.PORT ?? (once ? 0 : 3100));
const lokiUrl = process.env.LOKI_URL || undefined;
const sinkFile = process.env.CLOUDLOG_SINK_FILE || fileURLToPath(new URL('./demo-logs.ndjson', import.meta.url));
const say = (text) => process.stderr.write(`demo: ${text}\n`);

const target = lokiUrl
  ? {
      lokiUrl,
      username: process.env.LOKI_USERNAME || undefined,
      password: process.env.LOKI_PASSWORD || undefined,
      bearerToken: process.env.LOKI_TOKEN || undefined,
      tenant: process.env.LOKI_TENANT || undefined,
    }
  : { sink: createLocalSink({ file: sinkFile }) };
const proxy = createProxyHandler({
  ...Object.fromEntries(Object.entries(target).filter(([, value]) => value !== undefined)),
  onEvent: (event) => say(event.type === 'internal-error' ? String(event.error) : event.message),
});
const proxyListener = toNodeListener(proxy);

// The demo page, under a strict Content-Security-Policy: scripts from this origin only, nothing inline.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
const FILES = {
  '/': ['demo-page/index.html', 'text/html; charset=utf-8'],
  '/demo/app.js': ['demo-page/app.js', 'text/javascript; charset=utf-8'],
  '/demo/style.css': ['demo-page/style.css', 'text/css; charset=utf-8'],
  '/dist/cloudlog.min.js': ['../dist/cloudlog.min.js', 'text/javascript; charset=utf-8'],
};

// "Go offline" on the page: while set, the page's pushes are dropped at the socket, like a dead network.
let offline = false;

async function demoRoutes(req, res) {
  const path = new URL(req.url ?? '/', 'http://demo').pathname;
  if (path === '/demo/network' && req.method === 'POST') {
    let body = '';
    for await (const chunk of req) body += chunk;
    offline = body === 'offline';
    say(offline ? 'the page is offline now (its pushes are dropped)' : 'the page is back online');
    res.writeHead(204).end();
    return;
  }
  // Browsers ask for it on their own; a 404 would be an error in the page's console.
  if (path === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  const file = FILES[path];
  if (file === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const body = await readFile(new URL(file[0], import.meta.url));
  res.writeHead(200, { 'content-type': file[1], 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

const server = createServer((req, res) => {
  // Browsers send Origin with every POST; the Node demo does not, and is never "offline".
  const fromPage = req.headers.origin !== undefined;
  if (offline && fromPage && req.url?.startsWith('/loki/api/v1/push')) {
    req.socket.destroy();
    return;
  }
  proxyListener(req, res, () => demoRoutes(req, res).catch(() => res.destroy()));
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, host, resolve);
});
const origin = `http://${host}:${server.address().port}`;
const pushUrl = `${origin}/loki/api/v1/push`;
say(`cloudlog-proxy listening on ${pushUrl} → ${lokiUrl ? `Loki at ${new URL(lokiUrl).host}` : `the local sink (printed below, and appended to ${sinkFile})`}`);

/** Runs the Node demo script against the proxy; resolves with its report. */
function runNodeDemo(run) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(new URL('./node-demo.mjs', import.meta.url))], {
      env: { ...process.env, CLOUDLOG_URL: pushUrl, DEMO_RUN: run },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`node-demo exited ${code}: ${out.trim()}`))));
  });
}

async function stop(code) {
  server.closeIdleConnections();
  server.close();
  await proxy.close(5000);
  server.closeAllConnections();
  process.exit(code);
}

const run = `run-${Date.now()}`;
try {
  const report = await runNodeDemo(run);
  say(`node-demo.mjs sent ${report.sent} entries through the proxy (${report.dropped} dropped)`);
  if (once) {
    // Show it arrived: read it back from where the proxy stored it.
    let arrived;
    if (lokiUrl) {
      arrived = Number(/cloudlog_proxy_entries_accepted_total (\d+)/.exec(proxy.metrics())?.[1] ?? 0);
    } else {
      await proxy.close(5000);
      const records = (await readFile(sinkFile, 'utf8')).trim().split('\n').map((row) => JSON.parse(row));
      arrived = records.filter((record) => record.labels.service_name === 'demo-node' && record.line.includes(run)).length;
    }
    const ok = arrived === report.sent && report.sent > 0;
    say(ok ? `✓ all ${arrived} entries arrived${lokiUrl ? ' at Loki' : ` (${sinkFile})`}` : `✗ ${arrived} of ${report.sent} entries arrived`);
    await stop(ok ? 0 : 1);
  }
} catch (error) {
  say(String(error instanceof Error ? error.message : error));
  if (once) await stop(1);
}

if (!once) {
  say(`demo page: ${origin}/   (Ctrl-C to stop)`);
  process.once('SIGINT', () => stop(0));
  process.once('SIGTERM', () => stop(0));
}
