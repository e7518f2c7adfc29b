/**
 * The browser tests' push endpoint: the real cloudlog-proxy (dist/proxy.js: it reads `text/plain`
 * page-exit bodies as JSON, takes the batch id from `X-Cloudlog-Batch-Id` or `?batch=`, drops a
 * batch id it already forwarded, answers CORS) in front of the Loki-rules receiver — behind a
 * switch that can take it down (503) or slow it, and a record of every request, so tests can see
 * which batches went out how, and how often.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyHandler } from '../../dist/proxy.js';

export interface GatewayRequest {
  batchId: string | undefined;
  /** 'exit' for text/plain (keepalive or beacon), 'fetch' for application/json. */
  via: 'exit' | 'fetch';
  status: number;
}

export interface PushGateway {
  readonly url: string;
  readonly origin: string;
  readonly requests: GatewayRequest[];
  /** While down, every push is answered 503 and nothing is forwarded. */
  down: boolean;
  /** Delay before each forwarded push is answered (a slow network). */
  slowMs: number;
  close(): Promise<void>;
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': '*',
  'access-control-expose-headers': 'Date, Retry-After',
};

export async function startPushGateway(targetPushUrl: string): Promise<PushGateway> {
  const requests: GatewayRequest[] = [];
  const state = { down: false, slowMs: 0 };
  // Generous limits: the tests' pages are one client sending many batches in a burst. Future
  // timestamps are refused rather than clamped, so a wrong page clock is the SDK's to correct.
  const proxy = createProxyHandler({
    lokiUrl: targetPushUrl,
    corsOrigins: '*',
    rateLimitPerSecond: 10_000,
    rateLimitBurst: 10_000,
    futureTimestamps: 'reject',
  });

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, CORS);
      res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'OPTIONS') return void res.writeHead(204, { ...CORS, 'access-control-allow-methods': 'POST' }).end();
    const url = new URL(req.url ?? '/', 'http://gateway');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const contentType = String(req.headers['content-type'] ?? '');
    const record: GatewayRequest = {
      batchId: (req.headers['x-cloudlog-batch-id'] as string | undefined) ?? url.searchParams.get('batch') ?? undefined,
      via: contentType.startsWith('text/plain') ? 'exit' : 'fetch',
      status: 0,
    };
    requests.push(record);
    if (url.pathname !== '/loki/api/v1/push' || req.method !== 'POST') {
      record.status = 404;
      return void res.writeHead(404, CORS).end('not found');
    }
    if (state.down) {
      record.status = 503;
      return void res.writeHead(503, CORS).end('down for the test');
    }
    if (state.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, state.slowMs));
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(name, value);
    const answer = await proxy(new Request(`http://gateway${req.url ?? '/'}`, { method: 'POST', headers, body: Buffer.concat(chunks) }));
    record.status = answer.status;
    res.writeHead(answer.status, { ...CORS, 'content-type': 'text/plain' }).end(await answer.text());
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/loki/api/v1/push`,
    origin,
    requests,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get slowMs() {
      return state.slowMs;
    },
    set slowMs(value: number) {
      state.slowMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        void proxy.close(1000);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
