import type { SealedBatch } from '../pipeline/sealed-batch.js';
import { release, tryReserve } from './keepalive-budget.js';

/**
 * Sends a batch as the page goes away, inside the shared keepalive budget. A CORS-simple request
 * (text/plain JSON, batch id in the query string) so it needs no preflight that could be cut
 * off: the proxy reads `text/plain` as push JSON and `?batch=` as the batch id.
 *
 * Resolves true when the server acknowledged it (the page lived long enough to hear), false when
 * it was refused or unheard, and undefined at once when it did not fit the budget. Either way the
 * batch stays stored until acknowledged, and the next page resends what was not.
 */
export function sendOnExit(url: string, batch: SealedBatch, fetchFn: typeof fetch): Promise<boolean> | undefined {
  const body = new TextEncoder().encode(batch.body);
  if (!tryReserve(body.byteLength)) return undefined;
  const target = new URL(url);
  target.searchParams.set('batch', batch.id);
  try {
    return fetchFn(target.href, {
      method: 'POST',
      body,
      keepalive: true,
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      credentials: 'omit',
    })
      .then((response) => response.status === 204 || response.status === 200 || response.status === 202)
      .catch(() => false)
      .finally(() => release(body.byteLength));
  } catch {
    // fetch threw synchronously (no keepalive support): a beacon is the fallback.
    release(body.byteLength);
    const nav = (globalThis as { navigator?: Navigator }).navigator;
    if (typeof nav?.sendBeacon !== 'function' || !tryReserve(body.byteLength)) return undefined;
    const queued = nav.sendBeacon(target.href, new Blob([body], { type: 'text/plain;charset=UTF-8' }));
    // A beacon has no answer: release after a while, as the browser sends it.
    setTimeout(() => release(body.byteLength), 10_000);
    return queued ? Promise.resolve(false) : undefined;
  }
}
