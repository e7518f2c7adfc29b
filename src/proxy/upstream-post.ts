import ky, { TimeoutError } from 'ky';
import { ConfigError } from '../errors.js';

/** What Loki answered: the status, the start of its body (its reason), and `Retry-After`. */
export interface UpstreamAnswer {
  status: number;
  text: string;
  retryAfter: string | null;
}

/** One POST to Loki. Rejects on network errors, with `UpstreamTimeoutError` past the timeout, and when `signal` aborts. */
export interface UpstreamPost {
  (body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<UpstreamAnswer>;
  /** Closes idle keep-alive connections. */
  close(): void;
}

export class UpstreamTimeoutError extends Error {
  override name = 'UpstreamTimeoutError';
}

/** Loki's reason is read up to this; the rest of an answer is drained, not kept. */
const MAX_ANSWER_CHARS = 64 * 1024;

/**
 * How the proxy posts to Loki. On Node, with node:http(s) and a keep-alive agent: per push it
 * costs a fifth of the CPU of ky over undici's fetch (0.5 ms vs 2.5 ms for a small push on the CI
 * machine, bench/proxy.mjs), which was the largest part of the proxy's cost per request. Taken
 * with `process.getBuiltinModule`, like zlib in codec.ts, so Workers never see a `node:` import.
 * Everywhere else, and whenever a `fetch` is given (tests, instrumentation), ky over fetch.
 */
export function createUpstreamPost(url: string, headers: Record<string, string>, timeoutMs: number, fetchFn: typeof fetch | undefined): UpstreamPost {
  const http = fetchFn === undefined ? nodeHttp(new URL(url).protocol) : undefined;
  if (http !== undefined) return nodePost(http, url, headers, timeoutMs);
  const fallback = fetchFn ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  if (fallback === undefined) throw new ConfigError('cloudlog-proxy: no `fetch` on this platform; pass one as the `fetch` option.');
  return fetchPost(fallback, url, headers, timeoutMs);
}

function fetchPost(fetchFn: typeof fetch, url: string, headers: Record<string, string>, timeoutMs: number): UpstreamPost {
  const client = ky.create({ timeout: timeoutMs, retry: 0, throwHttpErrors: false, fetch: fetchFn });
  const post = async (body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<UpstreamAnswer> => {
    try {
      const response = await client.post(url, { body, headers, signal });
      // Read it either way: it frees the connection, and holds Loki's reason.
      const text = (await response.text().catch(() => '')).slice(0, MAX_ANSWER_CHARS);
      return { status: response.status, text, retryAfter: response.headers.get('retry-after') };
    } catch (error) {
      if (error instanceof TimeoutError) throw new UpstreamTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error });
      throw error;
    }
  };
  return Object.assign(post, { close: () => undefined });
}

interface NodeIncoming {
  statusCode?: number | undefined;
  headers: Record<string, string | string[] | undefined>;
  setEncoding(encoding: 'utf8'): void;
  on(event: 'data', listener: (chunk: string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

interface NodeClientRequest {
  on(event: 'response', listener: (response: NodeIncoming) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(error?: Error): unknown;
  end(body: Uint8Array): unknown;
}

interface NodeHttp {
  Agent: new (options: { keepAlive: boolean }) => { destroy(): void };
  request(url: string, options: { method: string; agent: unknown; headers: Record<string, string> }): NodeClientRequest;
}

function nodeHttp(protocol: string): NodeHttp | undefined {
  const runtime = (globalThis as { process?: { versions?: Record<string, string | undefined>; getBuiltinModule?: (name: string) => unknown } }).process;
  // Bun and Deno have a native fetch as fast as their node:http emulation: no reason to leave it.
  if (runtime?.versions?.['node'] === undefined || runtime.versions['bun'] !== undefined || runtime.versions['deno'] !== undefined) return undefined;
  const module = runtime.getBuiltinModule?.(protocol === 'https:' ? 'node:https' : 'node:http') as NodeHttp | undefined;
  return typeof module?.request === 'function' ? module : undefined;
}

function nodePost(http: NodeHttp, url: string, headers: Record<string, string>, timeoutMs: number): UpstreamPost {
  const agent = new http.Agent({ keepAlive: true });
  const post = (body: Uint8Array<ArrayBuffer>, signal: AbortSignal): Promise<UpstreamAnswer> =>
    new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new Error('aborted'));
        return;
      }
      const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': String(body.byteLength) } });
      // The whole exchange, answer included: an upstream that trickles its answer is as bad as a silent one.
      const timer = setTimeout(() => req.destroy(new UpstreamTimeoutError(`no answer within ${timeoutMs} ms`)), timeoutMs);
      const abort = () => req.destroy(new Error('aborted'));
      signal.addEventListener('abort', abort, { once: true });
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', abort);
      };
      req.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          if (text.length < MAX_ANSWER_CHARS) text += chunk;
        });
        response.on('end', () => {
          settle();
          const retryAfter = response.headers['retry-after'];
          resolve({ status: response.statusCode ?? 502, text: text.slice(0, MAX_ANSWER_CHARS), retryAfter: typeof retryAfter === 'string' ? retryAfter : null });
        });
        response.on('error', (error) => {
          settle();
          reject(error);
        });
      });
      req.on('error', (error) => {
        settle();
        reject(error);
      });
      req.end(body);
    });
  return Object.assign(post, { close: () => agent.destroy() });
}
