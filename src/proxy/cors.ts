/** Who may post cross-origin. Resolved from `corsOrigins`. */
export interface CorsPolicy {
  readonly origins: ReadonlySet<string> | '*';
  readonly maxAgeSeconds: number;
}

/** What a request's `Origin` allows: no Origin (not a browser, or a same-origin GET), same origin, allowlisted, or refused. */
export type OriginVerdict = 'none' | 'same' | 'allowed' | 'refused';

/**
 * CORS is enforced here, not only by the browser: a `text/plain` POST (what beacons send) needs
 * no preflight, so a page of any origin can deliver one. Refusing it on the server is what keeps
 * other sites from writing into your logs with your visitors' browsers.
 *
 * Same origin is judged by host (name and port) against the `Host` header: behind a proxy that
 * ends TLS, the scheme we see is not the one the page used. (Not authentication: a client
 * outside a browser sends any Origin it likes.)
 */
export function judgeOrigin(origin: string | undefined, host: string | undefined, policy: CorsPolicy): OriginVerdict {
  if (origin === undefined || origin === '') return 'none';
  if (policy.origins === '*') return 'allowed';
  if (policy.origins.has(origin)) return 'allowed';
  if (host !== undefined && origin !== 'null') {
    const at = origin.indexOf('://');
    if (at !== -1 && origin.slice(at + 3).toLowerCase() === host.toLowerCase()) return 'same';
  }
  return 'refused';
}

/**
 * On every answer to an allowed cross-origin request. Neither header is CORS-safelisted, so a page
 * cannot read them unless exposed: the SDK backs off by `Retry-After` and corrects a wrong clock
 * by `Date` (src/platform/clock-offset.ts).
 */
export function corsHeaders(origin: string): Record<string, string> {
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Date, Retry-After', vary: 'Origin' };
}

/**
 * A preflight's answer. The SDK's fetch sends `Content-Type: application/json`,
 * `Content-Encoding: gzip` and `X-Cloudlog-Batch-Id`, none CORS-safelisted. Nothing else is
 * allowed: a page sending `Authorization` to the proxy is a mistake the browser should stop.
 */
export function preflightHeaders(origin: string, privateNetwork: boolean, policy: CorsPolicy): Record<string, string> {
  const headers: Record<string, string> = {
    ...corsHeaders(origin),
    'access-control-allow-methods': 'POST',
    'access-control-allow-headers': 'Content-Type, Content-Encoding, X-Cloudlog-Batch-Id',
    'access-control-max-age': String(policy.maxAgeSeconds),
  };
  // Chrome's Private Network Access: a public page posting to a proxy on a private address asks first.
  if (privateNetwork) headers['access-control-allow-private-network'] = 'true';
  return headers;
}
