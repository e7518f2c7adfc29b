// A cheap Loki stand-in for bench/proxy.mjs, run as its own process on 127.0.0.1: it reads each
// push and answers 204, counting requests and bytes — and nothing else, so its CPU stays out of
// the way of the proxy being measured (on a 2-core machine they share the cores).
//
// Forked by bench/proxy.mjs: sends { port } once listening; answers { type: 'stats' } messages.
import { createServer } from 'node:http';

let requests = 0;
let bytes = 0;
const server = createServer((req, res) => {
  req.on('data', (chunk) => (bytes += chunk.length));
  req.on('end', () => {
    requests++;
    res.writeHead(204).end();
  });
});
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
process.on('message', (message) => {
  if (message.type === 'stats') process.send({ requests, bytes });
});
process.on('disconnect', () => process.exit(0));
