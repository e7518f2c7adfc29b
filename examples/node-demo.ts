/**
 * `npm start`: see logs arrive without installing Loki.
 *
 * Starts a Loki-compatible receiver on 127.0.0.1 (it enforces Loki's push rules; the
 * cloudlog-proxy with its embedded sink takes its place once it lands), serves a demo page that
 * logs through the <script> bundle, logs from Node, and prints every entry as Loki stores it.
 * With LOKI_URL set, the Node part logs to that Loki instead.
 *
 *   PORT=3100 npm start        # then open http://127.0.0.1:3100/
 *   npm start -- --once        # log from Node, print, exit (used by CI)
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { createLogger } from '../dist/index.js';
import { startLokiReceiver, type StoredEntry } from '../test/support/loki-receiver.js';

const once = process.argv.includes('--once');
const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? '127.0.0.1';
const lokiUrl = process.env.LOKI_URL;

const colors: Record<string, string> = { trace: '90', debug: '36', info: '32', warn: '33', error: '31', fatal: '35' };
function print(entry: StoredEntry): void {
  let level = 'info';
  let rest = entry.line;
  try {
    const { level: l, msg, ...fields } = JSON.parse(entry.line) as Record<string, unknown>;
    level = String(l);
    rest = `${String(msg)} ${JSON.stringify(fields)}`;
  } catch {
    // logfmt or plain line: print as it is
  }
  const time = new Date(Number(BigInt(entry.ts) / 1_000_000n)).toISOString().slice(11, 23);
  const tag = process.stdout.isTTY ? `\x1b[${colors[level] ?? '0'}m${level.toUpperCase().padEnd(5)}\x1b[0m` : level.toUpperCase().padEnd(5);
  console.log(`${time} ${tag} ${JSON.stringify(entry.stream)} ${rest}`);
}

const receiver = await startLokiReceiver({ flavor: '3' });
let printed = 0;
const printNew = () => {
  const all = receiver.entries().sort((a, b) => (BigInt(a.ts) < BigInt(b.ts) ? -1 : 1));
  for (const entry of all.slice(printed)) print(entry);
  printed = all.length;
};

// One origin for the page and the push endpoint: the page posts to /loki/api/v1/push here.
const files: Record<string, [string, string]> = {
  '/': ['examples/demo-page/index.html', 'text/html'],
  '/demo/app.js': ['examples/demo-page/app.js', 'text/javascript'],
  '/demo/style.css': ['examples/demo-page/style.css', 'text/css'],
  '/dist/cloudlog.min.js': ['dist/cloudlog.min.js', 'text/javascript'],
};
const server = http.createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/loki/api/v1/push' && req.method === 'POST') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const upstream = await fetch(receiver.url, {
      method: 'POST',
      headers: Object.fromEntries(['content-type', 'content-encoding'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : []))),
      body: Buffer.concat(chunks),
    });
    res.writeHead(upstream.status, { 'content-type': 'text/plain' }).end(await upstream.text());
    return;
  }
  const file = files[path];
  if (file === undefined) return void res.writeHead(404).end('not found');
  res.writeHead(200, {
    'content-type': file[1],
    'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'",
  });
  res.end(await readFile(new URL(`../${file[0]}`, import.meta.url)));
});
if (!once) await new Promise<void>((resolve) => server.listen(port, host, resolve));

const target = lokiUrl ?? receiver.url;
const log = createLogger({ url: target, labels: { service_name: 'demo-node', source: 'node' }, flushIntervalMs: 250 });
log.info('demo started', { node: process.version, target: lokiUrl ? 'LOKI_URL' : 'local receiver' });
const checkout = log.child({ component: 'checkout' });
checkout.warn('slow render', { ms: 840 });
checkout.error('payment failed', { err: new Error('card declined', { cause: new Error('issuer timeout') }), orderId: 'A-17' });
await log.flush();
if (lokiUrl) console.log(`sent to ${lokiUrl}:`, log.stats());
printNew();

if (once) {
  await log.close();
  await receiver.close();
} else {
  console.log(`\nDemo page: http://${host}:${port}/  (Ctrl-C to stop)\n`);
  const ticker = setInterval(printNew, 300);
  const stop = async () => {
    clearInterval(ticker);
    await log.close();
    server.close();
    await receiver.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
