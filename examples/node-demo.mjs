// The Node side of the demo: a server-side logger posting to the same cloudlog-proxy as the page.
//
//   CLOUDLOG_URL=http://127.0.0.1:3100/loki/api/v1/push node examples/node-demo.mjs
//
// Prints one JSON line with what it sent, and exits on its own: the logger never keeps a process alive.
import { createLogger } from 'cloudlog';

const url = process.env.CLOUDLOG_URL ?? 'http://127.0.0.1:3100/loki/api/v1/push';
const run = process.env.DEMO_RUN ?? new Date().toISOString();

const log = createLogger({ url, labels: { service_name: 'demo-node', source: 'node' }, flushIntervalMs: 250 });
log.info('demo started', { node: process.version, run });
const checkout = log.child({ component: 'checkout', run });
checkout.warn('slow render', { ms: 840 });
checkout.error('payment failed', { err: new Error('card declined', { cause: new Error('issuer timeout') }), orderId: 'A-17' });
for (let i = 0; i < 5; i++) log.debug('not sent: below the default level', { i });
log.info('demo finished', { run });

const flushed = await log.flush(10_000);
await log.close();
const { sent, dropped, lastError } = log.stats();
console.log(JSON.stringify({ flushed, sent, dropped: dropped.total, lastError: lastError?.message ?? null }));
process.exitCode = flushed ? 0 : 1;
