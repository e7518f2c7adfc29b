import ky, { TimeoutError } from 'ky';
import { BROWSER_BUNDLE } from '../platform/build-target.js';

/** What one push request needs; the answer is the fetch `Response`, whatever its status. */
export interface PostInit {
  body: string | Uint8Array<ArrayBuffer>;
  headers: Record<string, string>;
  /** Aborts the request from outside (close()'s deadline). */
  signal?: AbortSignal | undefined;
}

/** One POST, answered with its `Response` (any status), or rejected: network error, abort, or `PostTimeoutError`. */
export type Post = (url: string, init: PostInit) => Promise<Response>;

/** No answer (headers) within the request timeout. */
export class PostTimeoutError extends Error {
  override name = 'PostTimeoutError';
}

/**
 * The push request. ky (timeout, no retries: the pipeline owns them, no HTTP errors: the classifier
 * reads every status) in Node and edge runtimes; the browser builds post with the platform's fetch
 * and an AbortController: the timeout is the only part of ky the SDK uses, and ky alone is 4.8 KiB
 * min+gz against the CDN file's 12 KiB budget (bench/bundle-size.mjs, "ky alone").
 */
export function createPost(fetchFn: typeof fetch, timeoutMs: number): Post {
  return BROWSER_BUNDLE ? fetchPost(fetchFn, timeoutMs) : kyPost(fetchFn, timeoutMs);
}

export function kyPost(fetchFn: typeof fetch, timeoutMs: number): Post {
  const client = ky.create({ timeout: timeoutMs, retry: 0, throwHttpErrors: false, fetch: fetchFn });
  return async (url, { body, headers, signal }) => {
    try {
      return await client.post(url, { body, headers, ...(signal ? { signal } : {}) });
    } catch (error) {
      throw error instanceof TimeoutError ? new PostTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error }) : error;
    }
  };
}

export function fetchPost(fetchFn: typeof fetch, timeoutMs: number): Post {
  return async (url, { body, headers, signal }) => {
    const controller = new AbortController();
    const abort = () => controller.abort(signal?.reason);
    if (signal?.aborted) abort();
    signal?.addEventListener('abort', abort);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      return await fetchFn(url, { method: 'POST', body, headers, signal: controller.signal });
    } catch (error) {
      throw timedOut ? new PostTimeoutError(`no answer within ${timeoutMs} ms`, { cause: error }) : error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', abort);
    }
  };
}
