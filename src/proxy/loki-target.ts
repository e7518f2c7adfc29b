import type { Codec } from './codec.js';
import type { OriginalBody, PreparedPush, PushTarget, TargetResult, ValidatedPush } from './push-target.js';
import { mapLokiAnswer } from './upstream-answer.js';
import { createUpstreamPost, UpstreamTimeoutError } from './upstream-post.js';

export interface LokiTargetOptions {
  url: string;
  /** Authorization, X-Scope-OrgID and the operator's extra headers: from configuration only. */
  headers: Record<string, string>;
  timeoutMs: number;
  retryAfterSeconds: number;
  /** Posts with this instead of the runtime's own way (see upstream-post.ts). */
  fetch: typeof fetch | undefined;
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
  const headers = { ...options.headers, 'content-type': 'application/json', 'content-encoding': 'gzip' };
  const post = createUpstreamPost(options.url, headers, options.timeoutMs, options.fetch);
  const host = new URL(options.url).host;
  const retry = (status: 502 | 503 | 504, message: string): TargetResult => ({ kind: 'retry', status, retryAfterSeconds: options.retryAfterSeconds, message });

  return {
    description: `Loki at ${host}`,
    async prepare(push: ValidatedPush, original?: OriginalBody): Promise<LokiPush> {
      const json = JSON.stringify({ streams: push.streams.map((stream) => ({ stream: stream.labels, values: stream.values })) });
      // The SDK's pushes usually pass untouched, and then encode to exactly the text received: its
      // own gzip can go on as it came, which saves the largest part of our CPU per push
      // (bench/proxy.mjs). Equality with what we encoded from the validated push is the test, so
      // Loki decodes exactly what was validated: no parser differential (duplicate keys, escapes,
      // key order, invalid UTF-8) can slip past, since any of them makes the texts differ.
      const body = original?.gzip !== undefined && json === original.text ? (original.gzip as Uint8Array<ArrayBuffer>) : await options.codec.gzip(json);
      return { entries: push.entries, bytes: body.byteLength, body };
    },
    async send(prepared, signal) {
      const { body, entries } = prepared as LokiPush;
      try {
        const answer = await post(body, signal);
        return mapLokiAnswer(answer.status, answer.text, answer.retryAfter, entries, options.retryAfterSeconds, options.now());
      } catch (error) {
        if (error instanceof UpstreamTimeoutError) return retry(504, `Loki did not answer within ${options.timeoutMs} ms`);
        if (signal.aborted) return retry(503, 'the proxy is shutting down');
        return retry(502, `Loki is unreachable: ${describeError(error)}`);
      }
    },
    async close() {
      post.close();
    },
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}
