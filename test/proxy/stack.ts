/**
 * The proxy as users run it, for integration tests: Node's http server on 127.0.0.1 around
 * `createProxyHandler`, in front of the Loki-rules receiver (test/support/loki-receiver.ts),
 * optionally with the fault proxy between them. Plus a raw HTTP client (node:http) that can send
 * what fetch cannot: any header, no Content-Length, a body that stalls.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import { createProxyHandler } from '../../src/proxy/create-proxy-handler.js';
import { startProxyServer, type RunningProxy } from '../../src/proxy/node/start-server.js';
import type { ProxyEvent, ProxyHandler, ProxyOptions } from '../../src/proxy/options.js';
import { startFaultProxy, type FaultPlan, type FaultProxy } from '../support/fault-proxy.js';
import { startLokiReceiver, type LokiReceiver, type LokiReceiverOptions } from '../support/loki-receiver.js';

export interface Stack {
  receiver: LokiReceiver;
  /** Between the proxy and the receiver, when asked for. */
  fault: FaultProxy | undefined;
  handler: ProxyHandler;
  proxy: RunningProxy;
  /** The proxy's push URL. */
  url: string;
  events: ProxyEvent[];
  close(): Promise<void>;
}

export async function startStack(options: { proxy?: Partial<ProxyOptions>; receiver?: LokiReceiverOptions; fault?: FaultPlan } = {}): Promise<Stack> {
  const receiver = await startLokiReceiver({ flavor: '3', ...options.receiver });
  const fault = options.fault === undefined ? undefined : await startFaultProxy({ target: receiver.url, plan: options.fault });
  const events: ProxyEvent[] = [];
  const handler = createProxyHandler({ lokiUrl: fault?.url ?? receiver.url, onEvent: (event) => events.push(event), ...options.proxy });
  const proxy = await startProxyServer(handler, { host: '127.0.0.1', port: 0 });
  return {
    receiver,
    fault,
    handler,
    proxy,
    url: `${proxy.origin}/loki/api/v1/push`,
    events,
    async close() {
      await proxy.close(1000);
      await fault?.close();
      await receiver.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One request by node:http, with exactly the headers given (no Content-Length unless given or the body is whole). */
export function send(url: string, init: { method?: string; headers?: Record<string, string>; body?: string | Uint8Array; chunked?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const body = typeof init.body === 'string' ? Buffer.from(init.body) : init.body;
    const headers: Record<string, string> = { ...init.headers };
    if (body !== undefined && !init.chunked && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-length')) headers['content-length'] = String(body.byteLength);
    const req = httpRequest(url, { method: init.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    // write() before end(): Node then sends the body chunked, without a Content-Length.
    if (init.chunked && body !== undefined) req.write(body);
    req.end(init.chunked ? undefined : body);
  });
}

export const nowNs = (offsetMs = 0, sub = 0) => `${Date.now() + offsetMs}${String(sub).padStart(6, '0')}`;

/** A Loki push body with one stream. */
export function pushBody(labels: Record<string, string>, lines: string[], offsetMs = 0): string {
  return JSON.stringify({ streams: [{ stream: labels, values: lines.map((line, i) => [nowNs(offsetMs, i), line]) }] });
}

export const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/** Posts a push as the SDK does: gzip'd JSON, optionally with a batch id. */
export function postPush(url: string, body: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return send(url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip', ...headers }, body: gzipSync(body) });
}

/** The value of one metric series in Prometheus text, 0 when absent. */
export function metric(text: string, series: string): number {
  const line = text.split('\n').find((row) => row.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** Resolves once `condition` holds (checked every 10 ms); fails the test with `what` after 5 s. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
