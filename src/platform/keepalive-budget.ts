/**
 * Browsers cap the bodies of all keepalive requests (and beacons) in flight from a page at
 * 64 KiB together (Fetch standard, "keepalive": 65536 bytes); past it `fetch` throws and
 * `sendBeacon` returns false. One budget shared by every logger on the page, measured in UTF-8
 * bytes, with room left for others (Faro and OTel keep 60 KiB and 9 requests).
 */
const MAX_BYTES = 60 * 1024;
const MAX_REQUESTS = 9;

let bytesInFlight = 0;
let requestsInFlight = 0;

export function tryReserve(bytes: number): boolean {
  if (bytes > MAX_BYTES - bytesInFlight || requestsInFlight >= MAX_REQUESTS) return false;
  bytesInFlight += bytes;
  requestsInFlight += 1;
  return true;
}

export function release(bytes: number): void {
  bytesInFlight = Math.max(0, bytesInFlight - bytes);
  requestsInFlight = Math.max(0, requestsInFlight - 1);
}

export const KEEPALIVE_MAX_BYTES = MAX_BYTES;
