import { ConfigError } from '../errors.js';
import { isLevelName, LEVEL_NAMES, type LevelName } from '../logger/levels.js';
import { normalizeLabels } from '../loki/labels.js';
import { BROWSER_BUNDLE } from '../platform/build-target.js';
import { isBrowserLike, MAX_TIMER_MS } from '../platform/runtime.js';
import type { LoggerEvent } from '../pipeline/events.js';
import { DEFAULTS } from './defaults.js';
import type { LoggerOptions } from './types.js';

/**
 * The integer options, with the least value each takes (the most is `MAX_TIMER_MS`: they are
 * timer delays or counts). `maxRetries` may also be `Infinity`, its default.
 */
const INTEGER_MINIMUMS = {
  maxBatchEntries: 1,
  maxBatchBytes: 1,
  flushIntervalMs: 0,
  maxQueueEntries: 1,
  maxQueueBytes: 1,
  maxLineBytes: 1024,
  requestTimeoutMs: 1,
  closeTimeoutMs: 0,
  retryBaseMs: 1,
  retryMaxMs: 1,
  maxRetries: 0,
  maxConcurrentRequests: 1,
  breakerThreshold: 1,
  breakerOpenMs: 1,
  maxStoredBytes: 1,
  maxStoredEntries: 1,
} as const;
type IntegerOption = keyof typeof INTEGER_MINIMUMS;

/** Options after validation, with every default applied. */
export interface ResolvedOptions extends Record<IntegerOption, number> {
  /** Running in a page or worker (or a browser build): durability and page-exit handling apply. */
  browser: boolean;
  url: string;
  labels: Record<string, string>;
  level: LevelName;
  format: 'json' | 'logfmt';
  fields: Record<string, unknown> | undefined;
  compression: 'gzip' | 'none';
  flushOnExit: boolean;
  persist: boolean;
  headers: Record<string, string>;
  fetch: typeof fetch;
  onEvent: ((event: LoggerEvent) => void) | undefined;
}

const CREDENTIAL_OPTIONS = ['username', 'password', 'bearerToken', 'tenant', 'headers'] as const;
/** The options without a default (DEFAULTS has the others). */
const OTHER_OPTIONS = ['url', 'fields', 'fetch', 'onEvent', ...CREDENTIAL_OPTIONS] as const;
// Every option of LoggerOptions is known here (a compile error otherwise), so none is refused as a typo.
type UnlistedOptions = AssertNone<Exclude<keyof LoggerOptions, keyof typeof DEFAULTS | (typeof OTHER_OPTIONS)[number]>>;
type AssertNone<T extends never> = T;

/**
 * Validates `createLogger` options. Mistakes throw a `ConfigError` (a `TypeError`) that says what
 * to do — at setup, never while logging (pino's constructor does the same).
 */
export function resolveOptions(input: unknown): ResolvedOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigError("cloudlog: createLogger needs an options object, like createLogger({ url: 'https://example.com/loki/api/v1/push', labels: { service_name: 'shop-web' } }).");
  }
  const options = input as LoggerOptions;
  refuseUnknown(options);
  const browser = BROWSER_BUNDLE || isBrowserLike();

  if (browser) {
    const given = CREDENTIAL_OPTIONS.filter((name) => options[name] !== undefined);
    if (given.length > 0) {
      throw new ConfigError(
        `cloudlog: ${given.map((name) => `\`${name}\``).join(', ')} cannot be used in a browser: anyone can read them there. ` +
          'Point `url` at a cloudlog-proxy (import { createProxyHandler } from "cloudlog/proxy", or the cloudlog-proxy CLI), which holds the Loki credentials.',
      );
    }
  }

  const level = options.level ?? DEFAULTS.level;
  if (!isLevelName(level)) {
    throw new ConfigError(`cloudlog: unknown \`level\` ${JSON.stringify(level)}; use one of ${LEVEL_NAMES.join(', ')}.`);
  }
  const format = options.format ?? DEFAULTS.format;
  if (format !== 'json' && format !== 'logfmt') {
    throw new ConfigError(`cloudlog: unknown \`format\` ${JSON.stringify(format)}; use 'json' or 'logfmt'.`);
  }
  const compression = options.compression ?? DEFAULTS.compression;
  if (compression !== 'gzip' && compression !== 'none') {
    throw new ConfigError(`cloudlog: unknown \`compression\` ${JSON.stringify(compression)}; use 'gzip' or 'none'.`);
  }
  if (options.fields !== undefined && (typeof options.fields !== 'object' || options.fields === null || Array.isArray(options.fields))) {
    throw new ConfigError('cloudlog: `fields` must be a plain object of fields to add to every entry.');
  }
  const fetchFn = options.fetch ?? (typeof fetch === 'function' ? fetch.bind(globalThis) : undefined);
  if (typeof fetchFn !== 'function') {
    throw new ConfigError('cloudlog: no `fetch` on this platform (Node < 18?). Pass one as the `fetch` option.');
  }
  for (const name of ['flushOnExit', 'persist'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'boolean') throw new ConfigError(`cloudlog: \`${name}\` must be true or false.`);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ConfigError('cloudlog: `onEvent` must be a function.');
  }

  return {
    browser,
    url: resolveUrl(options.url, browser),
    labels: normalizeLabels(options.labels ?? DEFAULTS.labels),
    level,
    format,
    fields: options.fields,
    ...integerOptions(options),
    compression,
    flushOnExit: options.flushOnExit ?? DEFAULTS.flushOnExit,
    persist: options.persist ?? DEFAULTS.persist,
    // Credentials were refused above in a browser; the browser builds carry no code for them.
    headers: BROWSER_BUNDLE ? {} : requestHeaders(options),
    fetch: fetchFn,
    onEvent: options.onEvent,
  };
}

/** A misspelt option would silently do nothing (`timeoutMs` for `requestTimeoutMs`): refuse it, and name the likely one. */
function refuseUnknown(options: object): void {
  const known: string[] = [...Object.keys(DEFAULTS), ...OTHER_OPTIONS];
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined || known.includes(name)) continue;
    const lower = name.toLowerCase();
    const likely = known.find((k) => k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
    throw new ConfigError(`cloudlog: unknown option \`${name}\`${likely ? `; did you mean \`${likely}\`?` : ''} (the options are listed in the README).`);
  }
}

function resolveUrl(url: unknown, browser: boolean): string {
  if (typeof url !== 'string' && !(url instanceof URL)) {
    throw new ConfigError("cloudlog: `url` is required: the push endpoint, like 'https://logs.example.com/loki/api/v1/push' (a cloudlog-proxy, or Loki itself from Node).");
  }
  let parsed: URL;
  try {
    // A page may use a path on its own origin ('/loki/api/v1/push'); Node needs an absolute URL.
    const base = browser ? (globalThis as { location?: { href?: string } }).location?.href : undefined;
    parsed = new URL(String(url), base);
  } catch (cause) {
    throw new ConfigError(`cloudlog: \`url\` ${JSON.stringify(String(url))} is not a valid URL; give an absolute one like 'https://logs.example.com/loki/api/v1/push'.`, { cause });
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`cloudlog: \`url\` must be http or https; got ${parsed.protocol}`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ConfigError('cloudlog: put credentials in the `username`/`password` options, not in `url` (fetch refuses URLs with credentials).');
  }
  return parsed.href;
}

function integerOptions(options: LoggerOptions): Record<IntegerOption, number> {
  const resolved = {} as Record<IntegerOption, number>;
  for (const name of Object.keys(INTEGER_MINIMUMS) as IntegerOption[]) {
    const fallback: number = DEFAULTS[name];
    const value = options[name] ?? fallback;
    const min = INTEGER_MINIMUMS[name];
    const infiniteDefault = value === Infinity && fallback === Infinity;
    if (!infiniteDefault && (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > MAX_TIMER_MS)) {
      throw new ConfigError(`cloudlog: \`${name}\` must be an integer from ${min} to ${MAX_TIMER_MS}; got ${JSON.stringify(value)}.`);
    }
    resolved[name] = value;
  }
  return resolved;
}

function requestHeaders(options: LoggerOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  if (options.headers !== undefined) {
    if (typeof options.headers !== 'object' || options.headers === null) throw new ConfigError('cloudlog: `headers` must be an object of strings.');
    for (const [name, value] of Object.entries(options.headers)) {
      if (typeof value !== 'string') throw new ConfigError(`cloudlog: header "${name}" must be a string.`);
      headers[name.toLowerCase()] = value;
    }
  }
  const { username, password, bearerToken, tenant } = options;
  if (bearerToken !== undefined && (username !== undefined || password !== undefined)) {
    throw new ConfigError('cloudlog: give either `bearerToken` or `username`/`password`, not both.');
  }
  if (username !== undefined || password !== undefined) {
    if (typeof username !== 'string' || typeof password !== 'string') {
      throw new ConfigError('cloudlog: basic auth needs both `username` and `password` (Grafana Cloud: the user id and an access-policy token).');
    }
    headers.authorization = `Basic ${base64(`${username}:${password}`)}`;
  }
  if (bearerToken !== undefined) {
    if (typeof bearerToken !== 'string' || bearerToken === '') throw new ConfigError('cloudlog: `bearerToken` must be a non-empty string.');
    headers.authorization = `Bearer ${bearerToken}`;
  }
  if (tenant !== undefined) {
    if (typeof tenant !== 'string' || tenant === '') throw new ConfigError('cloudlog: `tenant` must be a non-empty string (sent as X-Scope-OrgID).');
    headers['x-scope-orgid'] = tenant;
  }
  return headers;
}

/** UTF-8 safe base64 (`btoa` alone throws on non-Latin-1). */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
