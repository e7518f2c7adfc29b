import { createBatchDedup } from './batch-dedup.js';
import { BATCH_ID_HEADER, BATCH_ID_PARAM, readBatchId } from './batch-id.js';
import { createByteBudget } from './byte-budget.js';
import { clientKey } from './client-address.js';
import { InflateLimitError } from './codec.js';
import { corsHeaders, judgeOrigin, preflightHeaders } from './cors.js';
import { createGate } from './gate.js';
import { emptyAnswer, splitTarget, textAnswer, type ProxyAnswer, type ProxyInput } from './proxy-input.js';
import { countEntriesRejected, countRequestRejected, createProxyMetrics, type ProxyMetrics, type Route } from './proxy-metrics.js';
import type { PreparedPush } from './push-target.js';
import { createRateLimiter } from './rate-limiter.js';
import { readBody } from './read-body.js';
import { refuse, type Refusal } from './refusal.js';
import type { Rejections } from './rejections.js';
import type { ResolvedProxyOptions } from './resolve-options.js';
import { validatePush } from './validate-push.js';

/**
 * Pushes in the CPU-heavy stage at once (gunzip, parse, validate, encode). Four keeps both cores
 * and libuv's four zlib threads busy; any more would only hold more parsed pushes in memory.
 */
const CPU_STAGE_CONCURRENCY = 4;

/** After answering a request whose body was not read, how long the rest may take to arrive (and be discarded) before the connection is cut. */
export const LINGER_MS = 2000;

/** The proxy whatever the runtime: answers a `ProxyInput`. The Web handler and the Node adapter wrap it. */
export interface ProxyCore {
  /** Never rejects: a bug is answered 500 and reported to `onEvent`. */
  handle(input: ProxyInput): Promise<ProxyAnswer>;
  /** True for the paths this proxy serves (middleware passes the others on). */
  serves(path: string): boolean;
  metrics(): string;
  close(timeoutMs?: number): Promise<void>;
  readonly inFlight: number;
}

type Stage = { refusal: Refusal } | { received: number; rejections: Rejections; prepared: PreparedPush | undefined };

export function createProxyCore(config: ResolvedProxyOptions): ProxyCore {
  const { target, policy, codec, now } = config;
  const limiter = config.rateLimit && createRateLimiter(config.rateLimit.perSecond, config.rateLimit.burst, config.rateLimit.maxClients);
  const dedup = config.dedup && createBatchDedup(config.dedup.windowMs, config.dedup.maxIds);
  const budget = createByteBudget(config.maxBufferedBytes);
  const gate = createGate(CPU_STAGE_CONCURRENCY);
  /** Batches being forwarded, by id: a copy arriving meanwhile (beacon and fetch at once) waits for the first's answer. */
  const pending = new Map<string, Promise<ProxyAnswer>>();
  const shutdown = new AbortController();
  const lenient = new TextDecoder();
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

  /**
   * The body as text. `exact` when it is valid UTF-8 without a BOM, i.e. the text is the bytes:
   * only then may a target forward the bytes as they came. Otherwise invalid sequences become
   * U+FFFD and a BOM is dropped, as a lenient reader would.
   */
  function decodeUtf8(bytes: Uint8Array): { text: string; exact: boolean } {
    try {
      const text = strict.decode(bytes);
      if (text.charCodeAt(0) !== 0xfeff) return { text, exact: true };
    } catch {
      // Not valid UTF-8: decoded leniently below.
    }
    return { text: lenient.decode(bytes), exact: false };
  }
  let inFlight = 0;
  let closing: Promise<void> | undefined;
  let onIdle: (() => void) | undefined;
  let warnedUnidentified = false;
  const metrics: ProxyMetrics = createProxyMetrics({
    inFlight: () => inFlight,
    dedupIds: () => dedup?.size ?? 0,
    trackedClients: () => limiter?.size ?? 0,
    bufferedBytes: () => budget.used,
  });

  function refusal(r: Refusal, headers: Record<string, string> = {}): ProxyAnswer {
    countRequestRejected(metrics, r.reason);
    const extra = r.retryAfterSeconds === undefined ? headers : { ...headers, 'retry-after': String(r.retryAfterSeconds) };
    return textAnswer(r.status, `cloudlog-proxy: ${r.message}`, extra);
  }

  /** An answer given before the body was read to its end. */
  function early(input: ProxyInput, answer: ProxyAnswer): ProxyAnswer {
    input.body.cancel();
    return { ...answer, unreadBody: true };
  }

  async function route(input: ProxyInput): Promise<[Route, ProxyAnswer]> {
    const { path, query } = splitTarget(input.target);
    const method = input.method.toUpperCase();
    const bodyless = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
    if (path === config.pushPath) {
      if (method === 'POST') return ['push', await push(input, query)];
      if (method === 'OPTIONS') return ['preflight', preflight(input)];
      return ['push', early(input, textAnswer(405, `cloudlog-proxy: ${method} is not served here; POST a Loki push`, { allow: 'POST, OPTIONS' }))];
    }
    if (bodyless && path === config.readyPath) {
      const answer = closing ? textAnswer(503, 'shutting down') : textAnswer(200, 'ready');
      return ['ready', method === 'HEAD' ? { ...answer, body: '' } : answer];
    }
    if (method === 'GET' && path === config.metricsPath) {
      return ['metrics', { ...textAnswer(200, metrics.render()), headers: { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' } }];
    }
    const answer = textAnswer(404, 'cloudlog-proxy: not found');
    return ['other', bodyless ? answer : early(input, answer)];
  }

  function preflight(input: ProxyInput): ProxyAnswer {
    const origin = input.header('origin');
    if (origin === undefined || judgeOrigin(origin, input.host, config.cors) !== 'allowed') {
      return textAnswer(403, `cloudlog-proxy: origin ${origin ?? '(none)'} may not post here; add it to the proxy's CORS origins (corsOrigins, --cors-origins)`);
    }
    return emptyAnswer(204, preflightHeaders(origin, input.header('access-control-request-private-network') === 'true', config.cors));
  }

  async function push(input: ProxyInput, query: URLSearchParams): Promise<ProxyAnswer> {
    const origin = input.header('origin');
    const verdict = judgeOrigin(origin, input.host, config.cors);
    if (verdict === 'refused') {
      // No CORS headers: the page may not even read why.
      return early(input, refusal(refuse(403, 'origin_not_allowed', `origin ${origin} may not post here; add it to the proxy's CORS origins (corsOrigins, --cors-origins)`)));
    }
    const cors = verdict === 'allowed' ? corsHeaders(origin!) : {};
    if (closing) return early(input, refusal(refuse(503, 'shutting_down', 'the proxy is shutting down; retry shortly', 1), cors));
    if (limiter !== undefined) {
      const key = clientKey(config.clientAddressHeader, config.clientAddressHeader && input.header(config.clientAddressHeader), input.clientAddress);
      // A client it cannot tell apart is not limited: one shared bucket would throttle every user
      // of a Next.js or Workers deployment at once. Said once, so the operator can fix it.
      if (key === undefined && !warnedUnidentified) {
        warnedUnidentified = true;
        config.onEvent({ type: 'warning', message: 'cannot tell clients apart (no client address, no clientAddressHeader): rate limiting is off until you pass { clientAddress } or set clientAddressHeader' });
      }
      const waitMs = key === undefined ? undefined : limiter.take(key, now());
      if (waitMs !== undefined) {
        const { perSecond, burst } = config.rateLimit!;
        return early(input, refusal(refuse(429, 'rate_limited', `too many requests from this client: at most ${perSecond} per second, bursts of ${burst}`, Math.max(1, Math.ceil(waitMs / 1000))), cors));
      }
    }
    if (inFlight >= config.maxConcurrentRequests) return early(input, refusal(refuse(503, 'overloaded', 'too many requests in progress; retry shortly', 1), cors));

    // Beacons send `text/plain` (CORS-safelisted, so no preflight that page exit could cut off).
    const type = (input.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json' && type !== 'text/plain') {
      return early(input, refusal(refuse(415, 'unsupported_media_type', `Content-Type ${JSON.stringify(type)} is not accepted: send Loki push JSON as application/json (or text/plain from navigator.sendBeacon)`), cors));
    }
    const encoding = (input.header('content-encoding') ?? '').trim().toLowerCase();
    if (encoding !== '' && encoding !== 'identity' && encoding !== 'gzip') {
      return early(input, refusal(refuse(415, 'unsupported_encoding', `Content-Encoding ${JSON.stringify(encoding)} is not accepted: send gzip or no encoding`), cors));
    }
    const id = readBatchId(input.header(BATCH_ID_HEADER), query.get(BATCH_ID_PARAM));
    if (id === null) {
      return early(input, refusal(refuse(400, 'invalid_batch_id', 'the batch id (X-Cloudlog-Batch-Id or ?batch=) must be 16 to 64 characters of A-Z, a-z, 0-9, _ and -'), cors));
    }
    const declared = Number(input.header('content-length') ?? 0);
    if (declared > config.maxBodyBytes) {
      return early(input, refusal(refuse(413, 'body_too_large', `the request body is ${declared} bytes, over ${config.maxBodyBytes}: split the batch`), cors));
    }

    if (id !== undefined) {
      if (dedup?.has(id, now())) {
        metrics.dedupHits.inc();
        return early(input, emptyAnswer(204, cors));
      }
      const first = pending.get(id);
      if (first !== undefined) {
        metrics.dedupHits.inc();
        input.body.cancel();
        const answer = await first;
        if (answer.status >= 200 && answer.status < 300) return { ...emptyAnswer(answer.status, cors), unreadBody: true };
        // The first copy failed (its client left mid-body, Loki was down…): this copy's body is gone, so ask for it again.
        return { ...textAnswer(503, 'cloudlog-proxy: a copy of this batch was in flight and did not go through; send it again', { ...cors, 'retry-after': '1' }), unreadBody: true };
      }
    }

    inFlight++;
    const work = forward(input, encoding === 'gzip', id);
    if (id !== undefined) pending.set(id, work);
    try {
      const answer = await work;
      return { ...answer, headers: { ...answer.headers, ...cors } };
    } finally {
      if (id !== undefined) pending.delete(id);
      inFlight--;
      if (inFlight === 0) onIdle?.();
    }
  }

  async function forward(input: ProxyInput, gzip: boolean, id: string | undefined): Promise<ProxyAnswer> {
    const read = await readBody(input.body, { maxBytes: config.maxBodyBytes, timeoutMs: config.readTimeoutMs, budget });
    try {
      if (!read.ok) return { ...refusal(read.refusal), unreadBody: true };
      metrics.bytesReceived.inc({}, read.bytes.byteLength);
      const stage = await gate.run(() => prepare(read.bytes, gzip));
      if ('refusal' in stage) return refusal(stage.refusal);
      const { received, rejections, prepared } = stage;

      if (prepared === undefined) {
        // Nothing left to forward: all refused (400 names why), or an empty push (Loki 2.8 answers 204).
        if (rejections.reported > 0) return textAnswer(400, rejections.describe(received));
        if (id !== undefined) dedup?.remember(id, now());
        return emptyAnswer(204);
      }

      const started = performance.now();
      const result = await target.send(prepared, shutdown.signal);
      metrics.upstreamDuration.observe((performance.now() - started) / 1000);
      metrics.upstreamRequests.inc({ outcome: result.kind });
      switch (result.kind) {
        case 'stored':
          metrics.entriesAccepted.inc({}, prepared.entries);
          metrics.bytesSent.inc({}, prepared.bytes);
          if (id !== undefined) dedup?.remember(id, now());
          return rejections.reported > 0 ? textAnswer(400, rejections.describe(received)) : emptyAnswer(204);
        case 'dropped':
          metrics.entriesRejected.inc({ reason: 'upstream_dropped' }, prepared.entries);
          metrics.bytesSent.inc({}, prepared.bytes);
          if (id !== undefined) dedup?.remember(id, now());
          // Passed on as it is: the SDK counts a 2xx other than 200/202/204 as dropped by the server.
          return emptyAnswer(result.status);
        case 'partial':
          metrics.entriesAccepted.inc({}, prepared.entries - result.rejected);
          metrics.entriesRejected.inc({ reason: 'upstream_rejected' }, result.rejected);
          metrics.bytesSent.inc({}, prepared.bytes);
          return textAnswer(400, rejections.describe(received, result.rejected, result.message));
        case 'too-large':
          return textAnswer(413, `cloudlog-proxy: ${result.message}; split the batch`);
        case 'retry':
          config.onEvent({ type: 'upstream-failed', status: result.status, message: result.message });
          return textAnswer(result.status, `cloudlog-proxy: ${result.message}`, { 'retry-after': String(result.retryAfterSeconds) });
      }
    } finally {
      budget.give(read.held);
    }
  }

  /** The CPU-heavy part, under the gate: what comes out is bytes to send, and the parsed push is garbage. */
  async function prepare(raw: Uint8Array, gzip: boolean): Promise<Stage> {
    let bytes = raw;
    if (gzip) {
      try {
        bytes = await codec.gunzip(raw, config.maxDecompressedBytes);
      } catch (error) {
        if (error instanceof InflateLimitError) {
          return { refusal: refuse(413, 'decompressed_too_large', `the body inflates past ${config.maxDecompressedBytes} bytes: split the batch`) };
        }
        return { refusal: refuse(400, 'bad_gzip', `Content-Encoding is gzip but the body is not valid gzip (${(error as Error).message})`) };
      }
    }
    metrics.bytesDecompressed.inc({}, bytes.byteLength);
    const { text, exact } = decodeUtf8(bytes);
    const validation = validatePush(text, policy, now());
    if (!validation.ok) return { refusal: validation.refusal };
    countEntriesRejected(metrics, validation.rejections.byReason);
    metrics.entriesClamped.inc({}, validation.clamped);
    const { push: valid, received, rejections } = validation;
    if (valid.entries === 0) return { received, rejections, prepared: undefined };
    return { received, rejections, prepared: await target.prepare(valid, exact ? { text, gzip: gzip ? raw : undefined } : undefined) };
  }

  return {
    async handle(input) {
      let route_: Route = 'other';
      let answer: ProxyAnswer;
      try {
        [route_, answer] = await route(input);
      } catch (error) {
        config.onEvent({ type: 'internal-error', error });
        answer = early(input, textAnswer(500, 'cloudlog-proxy: internal error'));
      }
      metrics.requests.inc({ route: route_, status: String(answer.status) });
      return closing ? { ...answer, closeConnection: true } : answer;
    },
    serves(path) {
      return path === config.pushPath || path === config.readyPath || path === config.metricsPath;
    },
    metrics: () => metrics.render(),
    close(timeoutMs = 10_000) {
      closing ??= (async () => {
        if (inFlight > 0) {
          let timer: ReturnType<typeof setTimeout> | undefined;
          await Promise.race([
            new Promise<void>((resolve) => {
              onIdle = resolve;
            }),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, timeoutMs);
            }),
          ]);
          clearTimeout(timer);
        }
        // Whatever is still waiting on Loki is told to retry (503).
        shutdown.abort();
        await target.close();
      })();
      return closing;
    },
    get inFlight() {
      return inFlight;
    },
  };
}
