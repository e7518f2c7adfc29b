import type { ByteBudget } from './byte-budget.js';
import { concat } from './codec.js';
import type { BodySource } from './proxy-input.js';
import { refuse, type Refusal } from './refusal.js';

export interface ReadLimits {
  maxBytes: number;
  /** The whole body must arrive within this: a client that trickles bytes (slowloris) gets 408. */
  timeoutMs: number;
  budget: ByteBudget;
}

export type BodyRead = { ok: true; bytes: Uint8Array; held: number } | { ok: false; refusal: Refusal; held: number };

/**
 * Reads a body chunk by chunk, refusing it as soon as it passes `maxBytes` (413) or the shared
 * byte budget (503), or when it does not arrive in time (408, which the SDK retries). What it
 * reads stays counted in the budget (`held`) until the caller gives it back.
 */
export async function readBody(source: BodySource, limits: ReadLimits): Promise<BodyRead> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limits.timeoutMs);
  });
  const stop = (refusal: Refusal): BodyRead => {
    source.cancel();
    return { ok: false, refusal, held: total };
  };
  try {
    for (;;) {
      const next = source.read();
      // If the deadline wins, this read settles later (or never): it must not become an unhandled rejection.
      next.catch(() => undefined);
      let chunk: Uint8Array | undefined | 'timeout';
      try {
        chunk = await Promise.race([next, timedOut]);
      } catch (error) {
        return stop(refuse(400, 'read_failed', `the request body could not be read: ${error instanceof Error ? error.message : String(error)}`));
      }
      if (chunk === 'timeout') {
        return stop(refuse(408, 'read_timeout', `the request body did not arrive within ${limits.timeoutMs} ms`, 1));
      }
      if (chunk === undefined) return { ok: true, bytes: concat(chunks, total), held: total };
      if (total + chunk.byteLength > limits.maxBytes) {
        return stop(refuse(413, 'body_too_large', `the request body is over ${limits.maxBytes} bytes: split the batch`));
      }
      if (!limits.budget.take(chunk.byteLength)) {
        return stop(refuse(503, 'overloaded', 'the proxy is holding as many request bytes as it may: retry shortly', 1));
      }
      total += chunk.byteLength;
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
}
