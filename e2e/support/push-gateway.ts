/**
 * A stand-in for cloudlog-proxy's push contract in browser tests: forwards pushes to the
 * Loki-rules receiver, reading `text/plain` bodies (beacons, keepalive sends on page exit) as
 * JSON and the batch id from `X-Cloudlog-Batch-Id` or `?batch=`. It can be switched down (503)
 * and records every request, so tests can see which batches went out how, and how often.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

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
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (req.headers['content-encoding']) headers['content-encoding'] = String(req.headers['content-encoding']);
    const answer = await fetch(targetPushUrl, { method: 'POST', headers, body: Buffer.concat(chunks) });
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
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
