import ky, { TimeoutError } from 'ky';
import type { Codec } from './codec.js';
import type { PreparedPush, PushTarget, TargetResult, ValidatedPush } from './push-target.js';
import { mapLokiAnswer } from './upstream-answer.js';

export interface LokiTargetOptions {
  url: string;
  /** Authorization, X-Scope-OrgID and the operator's extra headers: from configuration only. */
  headers: Record<string, string>;
  timeoutMs: number;
  retryAfterSeconds: number;
  fetch: typeof fetch;
  codec: Codec;
  now: () => number;
}

interface LokiPush extends PreparedPush {
  body: Uint8Array<ArrayBuffer>;
}

/**
 * Forwards validated pushes to one fixed Loki URL as gzip'd JSON (Loki takes
 * `Content-Encoding: gzip` for JSON: loki-vectors case "gzip JSON"). The request carries only the
 * headers built here; nothing a client sent is passed on. No retries: the client owns them, and
 * holds the entries while it waits (its queue, IndexedDB), which the proxy must not.
 */
export function createLokiTarget(options: LokiTargetOptions): PushTarget {
  const client = ky.create({ timeout: options.timeoutMs, retry: 0, throwHttpErrors: false, fetch: options.fetch });
  const headers = { ...options.headers, 'content-type': 'application/json', 'content-encoding': 'gzip' };
  const host = new URL(options.url).host;
  const retry = (status: 502 | 503 | 504, message: string): TargetResult => ({ kind: 'retry', status, retryAfterSeconds: options.retryAfterSeconds, message });

  return {
    description: `Loki at ${host}`,
    async prepare(push: ValidatedPush): Promise<LokiPush> {
      const json = JSON.stringify({ streams: push.streams.map((stream) => ({ stream: stream.labels, values: stream.values })) });
      const body = await options.codec.gzip(json);
      return { entries: push.entries, bytes: body.byteLength, body };
    },
    async send(prepared, signal) {
      const { body, entries } = prepared as LokiPush;
      try {
        const response = await client.post(options.url, { body, headers, signal });
        // Read the answer either way: it frees the connection and holds Loki's reason.
        const text = await response.text().catch(() => '');
        return mapLokiAnswer(response.status, text, response.headers.get('retry-after'), entries, options.retryAfterSeconds, options.now());
      } catch (error) {
        if (error instanceof TimeoutError) return retry(504, `Loki did not answer within ${options.timeoutMs} ms`);
        if (signal.aborted) return retry(503, 'the proxy is shutting down');
        return retry(502, `Loki is unreachable: ${describeError(error)}`);
      }
    },
    async close() {},
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
