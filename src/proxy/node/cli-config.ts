import { ConfigError } from '../../errors.js';
import { PROXY_DEFAULTS } from '../defaults.js';
import type { ProxyOptions } from '../options.js';

/** What the CLI runs: the server's address, the sink, and the handler's options. */
export interface CliConfig {
  host: string;
  port: number;
  /** The sink's NDJSON file when no Loki URL is given; undefined writes none. */
  sinkFile: string | undefined;
  shutdownTimeoutMs: number;
  options: ProxyOptions;
}

type Kind = 'int' | 'string' | 'list' | 'labels' | 'secret';

interface Setting {
  flag: string | undefined;
  env: string;
  kind: Kind;
  help: string;
  default?: string;
}

const CLI_DEFAULTS = { host: '127.0.0.1', port: 3100, sinkFile: 'cloudlog-sink.ndjson', shutdownTimeoutMs: 15_000 } as const;

/** The numeric limits of `ProxyOptions`, each with a flag (`--max-body-bytes`) and an env variable (`CLOUDLOG_MAX_BODY_BYTES`). */
const LIMITS = [
  ['maxBodyBytes', 'largest request body as sent; larger → 413'],
  ['maxDecompressedBytes', 'largest body after gunzip (gzip bombs are refused while inflating) → 413'],
  ['maxStreams', 'streams per push → 413 (the SDK splits)'],
  ['maxEntries', 'entries per push → 413 (the SDK splits)'],
  ['maxLabels', 'labels per stream, forced labels included'],
  ['maxLabelNameLength', 'longest label name, bytes'],
  ['maxLabelValueLength', 'longest label value, bytes'],
  ['maxLineBytes', 'longest line, UTF-8 bytes; longer entries are refused'],
  ['maxEntryAgeMs', 'older entries are refused'],
  ['maxFutureMs', 'entries further ahead get --future-timestamps'],
  ['upstreamTimeoutMs', 'timeout of a push to Loki → 504, retried by clients'],
  ['retryAfterSeconds', 'Retry-After when Loki fails without saying'],
  ['corsMaxAgeSeconds', 'how long browsers cache a preflight'],
  ['rateLimitPerSecond', 'requests per second per client (0: no limit) → 429'],
  ['rateLimitBurst', 'requests a client may make at once'],
  ['maxTrackedClients', 'clients the rate limiter remembers'],
  ['dedupWindowMs', 'how long an accepted batch id is remembered (0: no dedup)'],
  ['dedupMaxIds', 'batch ids remembered at most'],
  ['readTimeoutMs', 'time to receive a request body → 408'],
  ['maxConcurrentRequests', 'pushes processed at once → 503'],
  ['maxBufferedBytes', 'request bytes held by all pushes in progress → 503'],
] as const satisfies ReadonlyArray<readonly [keyof typeof PROXY_DEFAULTS & keyof ProxyOptions, string]>;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string) => `CLOUDLOG_${name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Every setting, in `--help` order. Secrets have no flag: a command line is visible to every user of the machine (`ps`). */
export const SETTINGS: readonly Setting[] = [
  { flag: 'host', env: 'HOST', kind: 'string', help: 'address to listen on', default: CLI_DEFAULTS.host },
  { flag: 'port', env: 'PORT', kind: 'int', help: 'port to listen on', default: String(CLI_DEFAULTS.port) },
  { flag: 'loki-url', env: 'LOKI_URL', kind: 'string', help: "Loki's push URL; without it, the local sink" },
  { flag: undefined, env: 'LOKI_USERNAME', kind: 'secret', help: 'basic auth user (Grafana Cloud: the user id)' },
  { flag: undefined, env: 'LOKI_PASSWORD', kind: 'secret', help: 'basic auth password or access-policy token' },
  { flag: undefined, env: 'LOKI_TOKEN', kind: 'secret', help: 'bearer token, instead of basic auth' },
  { flag: 'loki-tenant', env: 'LOKI_TENANT', kind: 'string', help: 'X-Scope-OrgID sent to Loki' },
  { flag: 'sink-file', env: 'CLOUDLOG_SINK_FILE', kind: 'string', help: 'local sink: NDJSON file appended to ("" for none)', default: CLI_DEFAULTS.sinkFile },
  { flag: 'cors-origins', env: 'CLOUDLOG_CORS_ORIGINS', kind: 'list', help: 'origins allowed cross-origin, comma-separated, or * (none: same-origin only)' },
  { flag: 'allowed-labels', env: 'CLOUDLOG_ALLOWED_LABELS', kind: 'list', help: 'label names clients may send, comma-separated (none: any valid name)' },
  { flag: 'forced-labels', env: 'CLOUDLOG_FORCED_LABELS', kind: 'labels', help: 'labels set on every stream, like source=browser,env=prod' },
  { flag: 'future-timestamps', env: 'CLOUDLOG_FUTURE_TIMESTAMPS', kind: 'string', help: 'entries ahead of the clock: clamp (move the push back) or reject', default: PROXY_DEFAULTS.futureTimestamps },
  { flag: 'client-address-header', env: 'CLOUDLOG_CLIENT_ADDRESS_HEADER', kind: 'string', help: 'header naming the client, set by a proxy you trust (x-forwarded-for, x-real-ip)' },
  ...LIMITS.map(([name, help]): Setting => ({ flag: kebab(name), env: envName(name), kind: 'int', help, default: String(PROXY_DEFAULTS[name]) })),
  { flag: 'shutdown-timeout-ms', env: 'CLOUDLOG_SHUTDOWN_TIMEOUT_MS', kind: 'int', help: 'on SIGTERM/SIGINT, how long requests in progress may take', default: String(CLI_DEFAULTS.shutdownTimeoutMs) },
];

export function helpText(): string {
  const rows = SETTINGS.map((s) => {
    const name = s.flag === undefined ? `${s.env} (env only)` : `--${s.flag} <${s.kind === 'int' ? 'n' : 'value'}>  ${s.env}`;
    return `  ${name}\n      ${s.help}${s.default !== undefined ? ` [default: ${s.default === '' ? '""' : s.default}]` : ''}`;
  });
  return [
    'cloudlog-proxy: the endpoint between browsers and Grafana Loki.',
    '',
    'Usage: cloudlog-proxy [--loki-url <url>] [options]',
    '',
    'Routes: POST /loki/api/v1/push, GET /ready, GET /metrics. Without a Loki URL, entries are',
    'validated the same way, printed here and appended to the sink file. Flags win over env.',
    '',
    'Options (flag, environment variable):',
    ...rows,
    '  --help',
    '',
  ].join('\n');
}

/**
 * Reads the CLI's flags and environment. Bad values throw a `ConfigError` naming the flag or
 * variable; the CLI prints it and exits 2. Returns undefined for `--help`.
 */
export function readCliConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, parseArgs: ParseArgs): CliConfig | undefined {
  const flagOptions: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' } };
  for (const s of SETTINGS) if (s.flag !== undefined) flagOptions[s.flag] = { type: 'string' };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], options: flagOptions, strict: true, allowPositionals: false }));
  } catch (error) {
    throw new ConfigError(`cloudlog-proxy: ${(error as Error).message}. See --help.`);
  }
  if (values['help'] === true) return undefined;

  const raw = (s: Setting): string | undefined => {
    const fromFlag = s.flag === undefined ? undefined : values[s.flag];
    return typeof fromFlag === 'string' ? fromFlag : env[s.env];
  };
  const where = (s: Setting) => (s.flag === undefined ? s.env : `--${s.flag} (${s.env})`);
  const setting = (flag: string) => SETTINGS.find((s) => s.flag === flag || s.env === flag)!;
  const text = (flag: string): string | undefined => {
    const value = raw(setting(flag));
    return value === undefined || value === '' ? undefined : value;
  };
  const int = (flag: string): number | undefined => {
    const s = setting(flag);
    const value = raw(s);
    if (value === undefined || value === '') return undefined;
    if (!/^\d+$/.test(value.trim())) throw new ConfigError(`cloudlog-proxy: ${where(s)} must be a whole number; got ${JSON.stringify(value)}.`);
    return Number(value.trim());
  };
  const list = (flag: string): string[] | undefined => text(flag)?.split(',').map((item) => item.trim()).filter((item) => item !== '');

  const options: ProxyOptions = {};
  const lokiUrl = text('loki-url');
  if (lokiUrl !== undefined) options.lokiUrl = lokiUrl;
  const username = text('LOKI_USERNAME');
  const password = text('LOKI_PASSWORD');
  const token = text('LOKI_TOKEN');
  const tenant = text('loki-tenant');
  if (lokiUrl === undefined && [username, password, token, tenant].some((value) => value !== undefined)) {
    throw new ConfigError('cloudlog-proxy: LOKI_USERNAME, LOKI_PASSWORD, LOKI_TOKEN or LOKI_TENANT is set but LOKI_URL is not: set --loki-url (LOKI_URL) too.');
  }
  if (username !== undefined) options.username = username;
  if (password !== undefined) options.password = password;
  if (token !== undefined) options.bearerToken = token;
  if (tenant !== undefined) options.tenant = tenant;

  const origins = list('cors-origins');
  if (origins !== undefined) options.corsOrigins = origins.includes('*') ? '*' : origins;
  const allowed = list('allowed-labels');
  if (allowed !== undefined) options.allowedLabels = allowed;
  const forced = list('forced-labels');
  if (forced !== undefined) options.forcedLabels = parseLabels(forced, where(setting('forced-labels')));
  const future = text('future-timestamps');
  if (future !== undefined) options.futureTimestamps = future as 'clamp' | 'reject';
  const addressHeader = text('client-address-header');
  if (addressHeader !== undefined) options.clientAddressHeader = addressHeader;
  for (const [name] of LIMITS) {
    const value = int(kebab(name));
    if (value !== undefined) options[name] = value;
  }

  const sinkSetting = setting('sink-file');
  const sinkFile = raw(sinkSetting) ?? CLI_DEFAULTS.sinkFile;
  const port = int('port') ?? CLI_DEFAULTS.port;
  if (port > 65_535) throw new ConfigError(`cloudlog-proxy: --port (PORT) must be at most 65535; got ${port}.`);
  return {
    host: text('host') ?? CLI_DEFAULTS.host,
    port,
    sinkFile: sinkFile === '' ? undefined : sinkFile,
    shutdownTimeoutMs: int('shutdown-timeout-ms') ?? CLI_DEFAULTS.shutdownTimeoutMs,
    options,
  };
}

function parseLabels(pairs: string[], where: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new ConfigError(`cloudlog-proxy: ${where} takes name=value pairs, like source=browser; got ${JSON.stringify(pair)}.`);
    out[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
  }
  return out;
}

/** `node:util`'s parseArgs, passed in (this module stays free of Node imports, so tests run it anywhere). */
export type ParseArgs = (config: {
  args: string[];
  options: Record<string, { type: 'string' | 'boolean' }>;
  strict: boolean;
  allowPositionals: boolean;
}) => { values: Record<string, string | boolean | undefined> };
