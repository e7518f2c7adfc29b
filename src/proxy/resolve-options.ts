import { ConfigError } from '../errors.js';
import { createCodec, type Codec } from './codec.js';
import type { CorsPolicy } from './cors.js';
import { LOKI_PUSH_PATH, PROXY_DEFAULTS } from './defaults.js';
import { createLokiTarget } from './loki-target.js';
import type { ProxyEvent, ProxyOptions } from './options.js';
import type { PushTarget } from './push-target.js';
import { LABEL_NAME, type PushPolicy } from './validate-push.js';

/** Options after validation, every default applied. */
export interface ResolvedProxyOptions {
  target: PushTarget;
  codec: Codec;
  pushPath: string;
  readyPath: string | undefined;
  metricsPath: string | undefined;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  policy: PushPolicy;
  cors: CorsPolicy;
  rateLimit: { perSecond: number; burst: number; maxClients: number } | undefined;
  clientAddressHeader: string | undefined;
  dedup: { windowMs: number; maxIds: number } | undefined;
  readTimeoutMs: number;
  maxConcurrentRequests: number;
  maxBufferedBytes: number;
  onEvent: (event: ProxyEvent) => void;
  now: () => number;
}

function fail(message: string): never {
  throw new ConfigError(`cloudlog-proxy: ${message}`);
}

/**
 * Validates `createProxyHandler` options. Mistakes throw a `ConfigError` (a `TypeError`) that
 * says what to do, at setup: the proxy never starts half-configured.
 */
export function resolveProxyOptions(input: unknown): ResolvedProxyOptions {
  if (typeof input !== 'object' || input === null) {
    fail("createProxyHandler needs an options object, like createProxyHandler({ lokiUrl: 'http://loki:3100/loki/api/v1/push' }) or createProxyHandler({ sink: createLocalSink() }).");
  }
  const options = input as ProxyOptions;
  const int = (name: keyof typeof PROXY_DEFAULTS & keyof ProxyOptions, min = 0): number => {
    const value = options[name] ?? PROXY_DEFAULTS[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(`\`${name}\` must be an integer ≥ ${min}; got ${JSON.stringify(value)}.`);
    return value as number;
  };

  const codec = createCodec();
  const now = options.now ?? Date.now;
  if (typeof now !== 'function') fail('`now` must be a function returning ms since the epoch.');
  const onEvent = options.onEvent ?? (() => undefined);
  if (typeof onEvent !== 'function') fail('`onEvent` must be a function.');
  const retryAfterSeconds = int('retryAfterSeconds', 1);

  const target = resolveTarget(options, codec, now, int('upstreamTimeoutMs', 1), retryAfterSeconds);
  const pushPath = path(options.pushPath ?? PROXY_DEFAULTS.pushPath, 'pushPath');
  const readyPath = options.readyPath === false ? undefined : path(options.readyPath ?? PROXY_DEFAULTS.readyPath, 'readyPath');
  const metricsPath = options.metricsPath === false ? undefined : path(options.metricsPath ?? PROXY_DEFAULTS.metricsPath, 'metricsPath');

  const maxLabelValueLength = int('maxLabelValueLength', 1);
  const forcedLabels = resolveForcedLabels(options.forcedLabels, maxLabelValueLength);
  const maxLabels = int('maxLabels', 1);
  if (Object.keys(forcedLabels).length > maxLabels) fail(`${Object.keys(forcedLabels).length} forcedLabels, but \`maxLabels\` is ${maxLabels}.`);
  const futureTimestamps = options.futureTimestamps ?? PROXY_DEFAULTS.futureTimestamps;
  if (futureTimestamps !== 'clamp' && futureTimestamps !== 'reject') fail(`\`futureTimestamps\` must be 'clamp' or 'reject'; got ${JSON.stringify(futureTimestamps)}.`);

  const rateLimitPerSecond = int('rateLimitPerSecond');
  const dedupWindowMs = int('dedupWindowMs');
  const clientAddressHeader = options.clientAddressHeader?.toLowerCase();
  if (clientAddressHeader !== undefined && !/^[a-z0-9-]+$/.test(clientAddressHeader)) {
    fail(`\`clientAddressHeader\` must be a header name like 'x-forwarded-for'; got ${JSON.stringify(options.clientAddressHeader)}.`);
  }

  return {
    target,
    codec,
    pushPath,
    readyPath,
    metricsPath,
    maxBodyBytes: int('maxBodyBytes', 1),
    maxDecompressedBytes: int('maxDecompressedBytes', 1),
    policy: {
      maxStreams: int('maxStreams', 1),
      maxEntries: int('maxEntries', 1),
      maxLabels,
      maxLabelNameLength: int('maxLabelNameLength', 1),
      maxLabelValueLength,
      maxLineBytes: int('maxLineBytes', 1),
      allowedLabels: resolveAllowedLabels(options.allowedLabels),
      forcedLabels,
      maxEntryAgeMs: int('maxEntryAgeMs', 1),
      maxFutureMs: int('maxFutureMs'),
      futureTimestamps,
    },
    cors: { origins: resolveOrigins(options.corsOrigins), maxAgeSeconds: int('corsMaxAgeSeconds') },
    rateLimit: rateLimitPerSecond === 0 ? undefined : { perSecond: rateLimitPerSecond, burst: int('rateLimitBurst', 1), maxClients: int('maxTrackedClients', 1) },
    clientAddressHeader,
    dedup: dedupWindowMs === 0 ? undefined : { windowMs: dedupWindowMs, maxIds: int('dedupMaxIds', 1) },
    readTimeoutMs: int('readTimeoutMs', 1),
    maxConcurrentRequests: int('maxConcurrentRequests', 1),
    maxBufferedBytes: int('maxBufferedBytes', 1),
    onEvent,
    now,
  };
}

function resolveTarget(options: ProxyOptions, codec: Codec, now: () => number, timeoutMs: number, retryAfterSeconds: number): PushTarget {
  if (options.lokiUrl !== undefined && options.sink !== undefined) fail('give `lokiUrl` (forward to Loki) or `sink` (the local sink), not both.');
  if (options.sink !== undefined) {
    const sink = options.sink as Partial<PushTarget>;
    if (typeof sink.prepare !== 'function' || typeof sink.send !== 'function' || typeof sink.close !== 'function') fail('`sink` must be a push target, like createLocalSink().');
    return options.sink;
  }
  if (options.lokiUrl === undefined || options.lokiUrl === '') {
    fail("no `lokiUrl`: give Loki's push URL (lokiUrl: 'http://loki:3100/loki/api/v1/push'), or `sink: createLocalSink()` to print entries locally.");
  }
  let url: URL;
  try {
    url = new URL(String(options.lokiUrl));
  } catch {
    return fail(`\`lokiUrl\` ${JSON.stringify(String(options.lokiUrl))} is not an absolute URL; use e.g. 'http://loki:3100/loki/api/v1/push'.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`\`lokiUrl\` must be http: or https:; got ${url.protocol}`);
  // A bare origin means Loki's push path: `LOKI_URL=http://loki:3100` does what was meant.
  if (url.pathname === '/' || url.pathname === '') url.pathname = LOKI_PUSH_PATH;

  const headers: Record<string, string> = { 'user-agent': 'cloudlog-proxy' };
  let username = options.username;
  let password = options.password;
  // fetch refuses URLs with credentials; `https://user:token@host` is still a common way to write them.
  if (url.username !== '' || url.password !== '') {
    if (username !== undefined || password !== undefined) fail('`lokiUrl` carries credentials and `username`/`password` are given too: keep one.');
    username = decodeURIComponent(url.username);
    password = decodeURIComponent(url.password);
    url.username = '';
    url.password = '';
  }
  if ((username === undefined) !== (password === undefined)) fail('`username` and `password` go together (Grafana Cloud: the user id and an access-policy token).');
  if (options.bearerToken !== undefined && username !== undefined) fail('give `bearerToken` or `username`/`password`, not both.');
  if (username !== undefined && password !== undefined) headers['authorization'] = `Basic ${base64(`${username}:${password}`)}`;
  if (options.bearerToken !== undefined) {
    if (typeof options.bearerToken !== 'string' || options.bearerToken === '') fail('`bearerToken` must be a non-empty string.');
    headers['authorization'] = `Bearer ${options.bearerToken}`;
  }
  if (options.tenant !== undefined) {
    if (typeof options.tenant !== 'string' || options.tenant === '' || /[\r\n]/.test(options.tenant)) fail('`tenant` must be a non-empty string (sent as X-Scope-OrgID).');
    headers['x-scope-orgid'] = options.tenant;
  }
  for (const [name, value] of Object.entries(options.upstreamHeaders ?? {})) {
    if (typeof value !== 'string' || !/^[A-Za-z0-9-]+$/.test(name)) fail(`\`upstreamHeaders\` must map header names to strings; got ${JSON.stringify(name)}.`);
    headers[name.toLowerCase()] = value;
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') fail('`fetch` must be a function like globalThis.fetch.');
  return createLokiTarget({ url: url.href, headers, timeoutMs, retryAfterSeconds, fetch: options.fetch, codec, now });
}

function path(value: unknown, name: string): string {
  if (typeof value !== 'string' || !value.startsWith('/')) fail(`\`${name}\` must be a path starting with "/", or false; got ${JSON.stringify(value)}.`);
  return value as string;
}

function resolveForcedLabels(input: unknown, maxValueLength: number): Record<string, string> {
  if (input === undefined) return {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail("`forcedLabels` must be an object of label names to values, like { source: 'browser' }.");
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!LABEL_NAME.test(name)) fail(`forced label name ${JSON.stringify(name)} is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*).`);
    if (typeof value !== 'string' || value === '') fail(`forced label "${name}" needs a non-empty string value.`);
    if ((value as string).length > maxValueLength) fail(`forced label "${name}" is longer than \`maxLabelValueLength\` (${maxValueLength}).`);
    out[name] = value as string;
  }
  return out;
}

function resolveAllowedLabels(input: unknown): ReadonlySet<string> | undefined {
  if (input === undefined) return undefined;
  if (!Array.isArray(input)) fail("`allowedLabels` must be an array of label names, like ['service_name', 'env'].");
  for (const name of input as unknown[]) {
    if (typeof name !== 'string' || !LABEL_NAME.test(name)) fail(`allowed label ${JSON.stringify(name)} is not a Loki label name ([a-zA-Z_][a-zA-Z0-9_]*).`);
  }
  return new Set(input as string[]);
}

function resolveOrigins(input: unknown): ReadonlySet<string> | '*' {
  if (input === undefined) return new Set();
  if (input === '*') return '*';
  if (!Array.isArray(input)) fail("`corsOrigins` must be an array of origins, like ['https://app.example.com'], or '*'.");
  const out = new Set<string>();
  for (const origin of input as unknown[]) {
    if (origin === '*') return '*';
    let parsed: URL | undefined;
    try {
      parsed = new URL(String(origin));
    } catch {
      parsed = undefined;
    }
    // An origin is scheme://host[:port], exactly as browsers send it: no path, no trailing slash.
    if (typeof origin !== 'string' || parsed === undefined || parsed.origin !== origin) {
      fail(`CORS origin ${JSON.stringify(origin)} is not an origin; write it as browsers send it, like 'https://app.example.com' (no path, no trailing slash).`);
    }
    out.add(origin as string);
  }
  return out;
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
