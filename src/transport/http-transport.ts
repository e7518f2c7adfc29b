import { CloudlogError, HttpError } from '../errors.js';
import { classifyStatus } from './classify-status.js';
import { gzip } from './gzip.js';
import { createPost, PostTimeoutError } from './post.js';
import { parseRetryAfter } from './retry-after.js';
import type { SendResult } from './send-result.js';

export interface HttpTransportOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  compression: 'gzip' | 'none';
  fetch: typeof fetch;
  /** Every answer's `Date` header with when the request went out and came back: the clock-skew estimate's input. */
  onServerDate?: (serverDateMs: number, sentAtMs: number, receivedAtMs: number) => void;
}

/** What the transport needs of a sealed batch; it caches the compressed body on it. */
export interface Sendable {
  readonly id: string;
  readonly body: string;
  gzipped?: Uint8Array<ArrayBuffer> | undefined;
}

export interface Transport {
  /** One POST of a sealed batch. Never rejects: every outcome is a `SendResult`. */
  send(batch: Sendable, signal?: AbortSignal): Promise<SendResult>;
  /** Compresses the batch's body now, once (resends reuse it). Never rejects. */
  compress(batch: Sendable): Promise<void>;
}

/** Longest part of an error answer we keep (Loki's 400 lists every rejected entry). */
const MAX_ERROR_BODY = 1024;

/** POSTs push bodies (src/transport/post.ts) and turns every answer or failure into a `SendResult`. */
export function createHttpTransport(options: HttpTransportOptions, post = createPost(options.fetch, options.timeoutMs)): Transport {

  async function compress(batch: Sendable): Promise<void> {
    if (batch.gzipped !== undefined || options.compression !== 'gzip') return;
    batch.gzipped = await gzip(batch.body).catch(() => undefined);
  }

  return {
    compress,
    async send(batch, signal) {
      try {
        // The batch id lets the proxy drop a batch it already forwarded (a beacon's resend).
        const headers: Record<string, string> = { ...options.headers, 'content-type': 'application/json', 'x-cloudlog-batch-id': batch.id };
        await compress(batch);
        const body: string | Uint8Array<ArrayBuffer> = batch.gzipped ?? batch.body;
        if (batch.gzipped !== undefined) headers['content-encoding'] = 'gzip';
        const wireBytes = typeof body === 'string' ? new TextEncoder().encode(body).byteLength : body.byteLength;
        const sentAtMs = Date.now();
        const response = await post(options.url, { body, headers, signal });
        const status = response.status;
        const serverDate = Date.parse(response.headers.get('date') ?? '');
        if (!Number.isNaN(serverDate)) options.onServerDate?.(serverDate, sentAtMs, Date.now());
        const verdict = classifyStatus(status);
        // Read the answer either way: it frees the connection for reuse (undici) and holds Loki's reason.
        const answer = (await response.text().catch(() => '')).slice(0, MAX_ERROR_BODY);
        if (verdict.kind === 'success') return { kind: 'success', status, wireBytes };
        const error = new HttpError(status, `push answered ${status}${answer ? `: ${answer.trim()}` : ''}`);
        if (verdict.kind === 'retryable') {
          const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
          return retryAfterMs === undefined ? { kind: 'retryable', status, error } : { kind: 'retryable', status, retryAfterMs, error };
        }
        if (verdict.kind === 'too-large') return { kind: 'too-large', status, error };
        return { kind: 'failure', status, reason: verdict.reason, error, answer };
      } catch (cause) {
        // Network errors, resets and timeouts: the server may take it later.
        const message = cause instanceof PostTimeoutError ? `push timed out after ${options.timeoutMs} ms` : `push failed: ${errorMessage(cause)}`;
        return { kind: 'retryable', error: new CloudlogError(message, { cause }) };
      }
    },
  };
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}
