// What a log call costs while the endpoint is down, as the outage goes on (Node).
//
// cloudlog (defaults) logs 30 rounds of 20 000 `info('user clicked button', { userId, button, page })`
// calls, a 50 ms pause after each, to a receiver on 127.0.0.1 that answers 503 to everything. Full
// batches are parked gzip'd meanwhile; this prints ns per call (the synchronous loop alone) every
// 5 rounds, with what is held and dropped: the cost must stay flat as parked batches pile up
// (src/pipeline/waiting-batches.ts keeps their byte total instead of summing it per call).
// More than 15 000 calls in one synchronous loop while nothing can be sent exceed the loose-entry
// bound (maxQueueEntries, 20 000, counts the 5 000 in flight too): those are shed and counted.
//
// Run: npm run build && node bench/outage-call-cost.mjs
import { createServer } from 'node:http';
import { createLogger } from '../dist/index.js';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(503).end());
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/loki/api/v1/push`;
const log = createLogger({ url, labels: { service_name: 'outage-call-cost' }, flushOnExit: false });

const BUTTONS = ['buy', 'add-to-cart', 'search', 'login'];
const PAGES = ['/', '/cart', '/product/17', '/checkout'];
let n = 0;
for (let round = 1; round <= 30; round++) {
  const start = process.hrtime.bigint();
  for (let k = 0; k < 20_000; k++, n++) log.info('user clicked button', { userId: n, button: BUTTONS[n % 4], page: PAGES[n % 4] });
  const ns = Number(process.hrtime.bigint() - start) / 20_000;
  await new Promise((resolve) => setTimeout(resolve, 50));
  if (round % 5 === 0) {
    const { queued, dropped } = log.stats();
    console.log(`${String(n).padStart(7)} logged: ${ns.toFixed(0).padStart(5)} ns per call; held ${queued}, dropped ${dropped.total}`);
  }
}
await log.close();
server.close();
