import type { PushTarget } from './push-target.js';

/**
 * Options of `createProxyHandler`. Every default lives once, in `defaults.ts`; every limit can be
 * set from the CLI too (`cloudlog-proxy --help`). Numbers are integers ≥ 0; `0` turns a feature
 * off where that is said.
 */
export interface ProxyOptions {
  /**
   * Loki's push URL, e.g. `https://logs-prod-012.grafana.net/loki/api/v1/push`. Fixed here: a
   * client never chooses where the proxy posts (no SSRF). Give this or `sink`.
   */
  lokiUrl?: string | URL;
  /** Basic auth to Loki (Grafana Cloud: the user id), with `password`. From configuration only. */
  username?: string;
  /** Basic auth password or access-policy token, with `username`. */
  password?: string;
  /** `Authorization: Bearer …` to Loki, instead of basic auth. */
  bearerToken?: string;
  /** `X-Scope-OrgID` sent to Loki. A client's own `X-Scope-OrgID` is never forwarded. */
  tenant?: string;
  /** Extra headers sent to Loki (a gateway's key, say). Client headers are never forwarded. */
  upstreamHeaders?: Record<string, string>;
  /** Timeout of one push to Loki; past it the client is told to retry (504). @default 10000 */
  upstreamTimeoutMs?: number;
  /** Seconds of `Retry-After` sent when Loki is down, slow or refuses us, and did not say when to come back. @default 5 */
  retryAfterSeconds?: number;
  /** Where validated pushes go instead of Loki: `createLocalSink()` prints them and writes NDJSON. Give this or `lokiUrl`. */
  sink?: PushTarget;

  /** Path of the push route (Loki's, so the proxy is a drop-in). @default '/loki/api/v1/push' */
  pushPath?: string;
  /** Path of the readiness route (`200 ready`; `503` while shutting down), or `false`. @default '/ready' */
  readyPath?: string | false;
  /** Path of the Prometheus metrics route, or `false` to serve none. @default '/metrics' */
  metricsPath?: string | false;

  /** Largest request body as sent (compressed or not); larger → 413. @default 1048576 */
  maxBodyBytes?: number;
  /** Largest body after gunzip; a gzip bomb is refused (413) as soon as inflating passes it. @default 4194304 */
  maxDecompressedBytes?: number;
  /** Streams in one push, at most; more → 413, which the SDK answers by splitting the batch. @default 100 */
  maxStreams?: number;
  /** Entries in one push, at most; more → 413 (the SDK splits). @default 10000 */
  maxEntries?: number;
  /** Labels per stream, forced labels included (Loki 3: 15). @default 15 */
  maxLabels?: number;
  /** Longest label name, in bytes (Loki: 1024). @default 1024 */
  maxLabelNameLength?: number;
  /** Longest label value, in bytes (Loki: 2048). @default 2048 */
  maxLabelValueLength?: number;
  /** Longest line, in UTF-8 bytes; longer entries are refused (Loki 3 `max_line_size`: 256 KiB). @default 262144 */
  maxLineBytes?: number;
  /**
   * Label names a client may send; other names refuse their stream (400, naming the label). Forced
   * labels are always allowed. `undefined` allows every valid name. @default undefined
   */
  allowedLabels?: readonly string[];
  /** Labels set on every stream, overriding what a client sent, e.g. `{ source: 'browser' }`. @default {} */
  forcedLabels?: Record<string, string>;
  /** Entries older than this are refused (Loki refuses them after 168 h). @default 601200000 (167 h) */
  maxEntryAgeMs?: number;
  /** How far ahead of the proxy's clock an entry may be before `futureTimestamps` applies. @default 300000 */
  maxFutureMs?: number;
  /**
   * Entries too far in the future (a browser clock that runs ahead): `'clamp'` shifts the whole
   * push back so its newest entry is now, keeping order and spacing; `'reject'` refuses them.
   * @default 'clamp'
   */
  futureTimestamps?: 'clamp' | 'reject';

  /**
   * Origins whose pages may post cross-origin (CORS), e.g. `['https://app.example.com']`, or `'*'`
   * for any. None → only same-origin pages and non-browser clients. @default []
   */
  corsOrigins?: readonly string[] | '*';
  /** How long a browser may cache a preflight answer. @default 600 */
  corsMaxAgeSeconds?: number;

  /**
   * Requests per second per client (token bucket); over it → 429 with `Retry-After`. `0` turns it
   * off. A client the proxy cannot identify (a Web handler given no `clientAddress`, no
   * `clientAddressHeader`) is not limited, and a `warning` event says so once. @default 10
   */
  rateLimitPerSecond?: number;
  /** Requests a client may make at once before the rate applies. @default 50 */
  rateLimitBurst?: number;
  /** Clients remembered by the rate limiter; the least recently seen are forgotten first. @default 100000 */
  maxTrackedClients?: number;
  /**
   * The request header that names the client, set by a proxy you trust in front of this one:
   * `'x-forwarded-for'` (its last address is used), `'x-real-ip'`, `'cf-connecting-ip'`. Unset →
   * the connection's remote address. Never set it when clients can reach the proxy directly: they
   * would choose their own rate-limit key. @default undefined
   */
  clientAddressHeader?: string;

  /** How long an accepted batch id is remembered: a resend within it is answered 204 and not forwarded. `0` turns dedup off. @default 600000 */
  dedupWindowMs?: number;
  /** Batch ids remembered at most (oldest forgotten first). @default 100000 */
  dedupMaxIds?: number;

  /** Time to receive a whole request body; a slower client gets 408 (retryable). @default 10000 */
  readTimeoutMs?: number;
  /** Requests processed at once; more → 503 with `Retry-After`. @default 64 */
  maxConcurrentRequests?: number;
  /** Decompressed body bytes held by requests in progress, all together; more → 503. @default 33554432 */
  maxBufferedBytes?: number;

  /** Reports what an operator should see: Loki failing, or a bug. The CLI prints these to stderr. */
  onEvent?: (event: ProxyEvent) => void;
  /** The clock, in ms since the epoch (tests). @default Date.now */
  now?: () => number;
  /** The `fetch` used to reach Loki. @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** What `onEvent` is told. */
export type ProxyEvent =
  /** A push to Loki failed in a way clients are told to retry: Loki down, slow, or refusing the proxy's credentials. */
  | { type: 'upstream-failed'; status: number | undefined; message: string }
  /** Something unexpected; the request was answered 500. */
  | { type: 'internal-error'; error: unknown }
  /** A configuration problem found at run time, reported once (e.g. clients that cannot be told apart). */
  | { type: 'warning'; message: string };

/** Per-request facts a runtime knows but a `Request` does not carry. */
export interface ProxyRequestContext {
  /** The client's address (Deno `info.remoteAddr.hostname`, Bun `server.requestIP(req)?.address`). */
  clientAddress?: string | undefined;
  /** Other frameworks' context (Next.js passes `{ params }`) is ignored. */
  readonly [key: string]: unknown;
}

/** A Web-standard request handler with a lifecycle. */
export interface ProxyHandler {
  /** Answers one request. Never rejects: a bug becomes a 500. */
  (request: Request, context?: ProxyRequestContext): Promise<Response>;
  /** The metrics in Prometheus text format (what `GET /metrics` answers). */
  metrics(): string;
  /**
   * Stops taking pushes (503, `/ready` answers 503), waits up to `timeoutMs` for the requests in
   * progress, then closes the target (the sink's file is flushed). Idempotent.
   */
  close(timeoutMs?: number): Promise<void>;
  /** Requests being processed now. */
  readonly inFlight: number;
}
