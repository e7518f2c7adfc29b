/** The proxy's pure decisions: Loki's answers, CORS, options, CLI flags, the sink's terminal lines, metric text. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { corsHeaders, judgeOrigin, preflightHeaders, type CorsPolicy } from '../../src/proxy/cors.js';
import { formatEntry } from '../../src/proxy/format-entry.js';
import { createProxyHandler } from '../../src/proxy/create-proxy-handler.js';
import { createLocalSink } from '../../src/proxy/local-sink.js';
import { helpText, readCliConfig } from '../../src/proxy/node/cli-config.js';
import { Counter, Histogram } from '../../src/proxy/prometheus.js';
import { mapLokiAnswer } from '../../src/proxy/upstream-answer.js';
import { parseArgs } from 'node:util';

const NOW = Date.parse('2026-11-25T12:00:00Z');

describe('mapLokiAnswer: what Loki said, as the SDK should take it', () => {
  const map = (status: number, body = '', retryAfter: string | null = null) => mapLokiAnswer(status, body, retryAfter, 10, 5, NOW);
  it('2xx', () => {
    expect(map(204)).toEqual({ kind: 'stored' });
    expect(map(200)).toEqual({ kind: 'stored' });
    expect(map(260)).toEqual({ kind: 'dropped', status: 260 });
  });
  it('400 is partial, with Loki reason and how many it refused', () => {
    const reason = "entry with timestamp 2026-11-25 10:00:00 +0000 UTC ignored, reason: 'entry too far behind',\nuser 'fake', total ignored: 3 out of 10";
    expect(map(400, reason)).toEqual({ kind: 'partial', message: reason, rejected: 3 });
  });
  it('413 tells the client to split', () => {
    expect(map(413, 'request body too large')).toEqual({ kind: 'too-large', message: 'Loki: request body too large' });
  });
  it('429 and 5xx are retried, after Loki Retry-After when it sends one', () => {
    expect(map(429, 'slow down', '30')).toMatchObject({ kind: 'retry', status: 429, retryAfterSeconds: 30 });
    expect(map(429, 'slow down')).toMatchObject({ kind: 'retry', status: 429, retryAfterSeconds: 5 });
    expect(map(500, 'boom')).toMatchObject({ kind: 'retry', status: 503, message: 'Loki answered 500: boom' });
    expect(map(504)).toMatchObject({ kind: 'retry', status: 504 });
    expect(map(503, '', 'Wed, 25 Nov 2026 12:01:00 GMT')).toMatchObject({ retryAfterSeconds: 60 });
  });
  it('401/403/404 are the operator’s to fix: the client keeps its logs and retries (502)', () => {
    for (const status of [401, 403, 404, 405, 422]) {
      expect(map(status, 'no')).toMatchObject({ kind: 'retry', status: 502, message: expect.stringContaining('check its URL, credentials and tenant') });
    }
  });
});

describe('CORS', () => {
  const policy: CorsPolicy = { origins: new Set(['https://app.example.com']), maxAgeSeconds: 600 };
  it('judges origins', () => {
    expect(judgeOrigin(undefined, 'proxy:3100', policy)).toBe('none');
    expect(judgeOrigin('https://app.example.com', 'logs.example.com', policy)).toBe('allowed');
    expect(judgeOrigin('https://evil.example', 'logs.example.com', policy)).toBe('refused');
    expect(judgeOrigin('http://127.0.0.1:3100', '127.0.0.1:3100', policy)).toBe('same');
    expect(judgeOrigin('null', 'null', policy)).toBe('refused');
    expect(judgeOrigin('https://evil.example', 'x', { origins: '*', maxAgeSeconds: 0 })).toBe('allowed');
    expect(judgeOrigin('https://app.example.com', undefined, { origins: new Set(), maxAgeSeconds: 0 })).toBe('refused');
  });
  it('answers preflights with the SDK headers allowed and Retry-After exposed', () => {
    expect(preflightHeaders('https://app.example.com', true, policy)).toEqual({
      'access-control-allow-origin': 'https://app.example.com',
      'access-control-expose-headers': 'Date, Retry-After',
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type, Content-Encoding, X-Cloudlog-Batch-Id',
      'access-control-max-age': '600',
      'access-control-allow-private-network': 'true',
      vary: 'Origin',
    });
    expect(corsHeaders('https://a.example')).toMatchObject({ vary: 'Origin' });
  });
});

describe('createProxyHandler options: mistakes throw a ConfigError at setup', () => {
  const sink = createLocalSink({ output: false });
  it.each([
    [undefined, 'needs an options object'],
    [{}, "no `lokiUrl`: give Loki's push URL"],
    [{ lokiUrl: 'loki:3100' }, 'must be http: or https:'],
    [{ lokiUrl: 'not a url' }, 'is not an absolute URL'],
    [{ lokiUrl: 'http://l/', sink }, 'not both'],
    [{ lokiUrl: 'http://l/', username: 'u' }, '`username` and `password` go together'],
    [{ lokiUrl: 'http://l/', username: 'u', password: 'p', bearerToken: 't' }, 'not both'],
    [{ lokiUrl: 'http://l/', tenant: '' }, '`tenant` must be a non-empty string'],
    [{ sink, maxBodyBytes: 0 }, '`maxBodyBytes` must be an integer ≥ 1; got 0'],
    [{ sink, maxEntries: 1.5 }, '`maxEntries` must be an integer ≥ 1'],
    [{ sink, rateLimitPerSecond: -1 }, '`rateLimitPerSecond` must be an integer ≥ 0'],
    [{ sink, forcedLabels: { 'a-b': 'x' } }, 'forced label name "a-b" is not a Loki label name'],
    [{ sink, forcedLabels: { source: '' } }, 'forced label "source" needs a non-empty string value'],
    [{ sink, allowedLabels: 'service_name' }, '`allowedLabels` must be an array'],
    [{ sink, corsOrigins: ['https://app.example.com/'] }, "write it as browsers send it, like 'https://app.example.com'"],
    [{ sink, futureTimestamps: 'shift' }, "`futureTimestamps` must be 'clamp' or 'reject'"],
    [{ sink, pushPath: 'push' }, '`pushPath` must be a path starting with "/"'],
    [{ sink, clientAddressHeader: 'x forwarded' }, '`clientAddressHeader` must be a header name'],
    [{ sink: {} }, '`sink` must be a push target'],
  ])('%j', (options, message) => {
    const attempt = () => createProxyHandler(options as never);
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(message);
  });
  it('a ConfigError is a TypeError', () => {
    expect(() => createProxyHandler({} as never)).toThrow(TypeError);
  });
  it('accepts a bare Loki origin and credentials in the URL', () => {
    expect(() => createProxyHandler({ lokiUrl: 'https://user:token@logs.example.com' })).not.toThrow();
  });
});

describe('CLI flags and environment', () => {
  const read = (argv: string[], env: Record<string, string> = {}) => readCliConfig(argv, env, parseArgs as never);
  it('defaults: 127.0.0.1:3100, the local sink with cloudlog-sink.ndjson', () => {
    expect(read([])).toEqual({ host: '127.0.0.1', port: 3100, sinkFile: 'cloudlog-sink.ndjson', shutdownTimeoutMs: 15_000, options: {} });
  });
  it('reads Loki settings from env and flags; flags win', () => {
    const config = read(['--loki-url', 'http://flag:3100', '--port', '8080'], {
      LOKI_URL: 'http://env:3100',
      LOKI_USERNAME: 'u',
      LOKI_PASSWORD: 'p',
      LOKI_TENANT: 't',
      HOST: '0.0.0.0',
      PORT: '9',
    });
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8080, options: { lokiUrl: 'http://flag:3100', username: 'u', password: 'p', tenant: 't' } });
    expect(read([], { LOKI_URL: 'http://l', LOKI_TOKEN: 'tok' })?.options).toMatchObject({ bearerToken: 'tok' });
  });
  it('has a flag and a variable for every limit', () => {
    const config = read(['--max-body-bytes', '2048', '--rate-limit-per-second', '0'], { CLOUDLOG_MAX_ENTRIES: '7', CLOUDLOG_DEDUP_WINDOW_MS: '0' });
    expect(config?.options).toEqual({ maxBodyBytes: 2048, rateLimitPerSecond: 0, maxEntries: 7, dedupWindowMs: 0 });
    const help = helpText();
    for (const flag of ['--max-decompressed-bytes', '--max-line-bytes', '--max-label-value-length', '--read-timeout-ms', '--upstream-timeout-ms', '--max-buffered-bytes', 'CLOUDLOG_MAX_STREAMS']) {
      expect(help).toContain(flag);
    }
  });
  it('reads lists and labels', () => {
    expect(read(['--cors-origins', 'https://a.example, https://b.example', '--forced-labels', 'source=browser,env=prod', '--allowed-labels', 'service_name'])?.options).toEqual({
      corsOrigins: ['https://a.example', 'https://b.example'],
      forcedLabels: { source: 'browser', env: 'prod' },
      allowedLabels: ['service_name'],
    });
    expect(read([], { CLOUDLOG_CORS_ORIGINS: '*' })?.options.corsOrigins).toBe('*');
    expect(read(['--sink-file', ''])?.sinkFile).toBeUndefined();
  });
  it('refuses bad values with a message naming the flag', () => {
    expect(() => read(['--port', 'eighty'])).toThrow('--port (PORT) must be a whole number; got "eighty"');
    expect(() => read([], { CLOUDLOG_MAX_BODY_BYTES: '1MB' })).toThrow('--max-body-bytes (CLOUDLOG_MAX_BODY_BYTES) must be a whole number');
    expect(() => read(['--bogus'])).toThrow(/Unknown option '--bogus'/);
    expect(() => read(['--forced-labels', 'source'])).toThrow('takes name=value pairs');
    expect(() => read([], { LOKI_PASSWORD: 'p' })).toThrow('LOKI_URL is not');
  });
  it('--help', () => {
    expect(read(['--help'])).toBeUndefined();
  });
});

describe('formatEntry: the sink terminal line', () => {
  const ts = `${new Date(2026, 10, 25, 14, 3, 7, 512).getTime()}000123`;
  it('shows time, level, service, message and fields', () => {
    expect(formatEntry(ts, '{"level":"warn","msg":"slow render","ms":840,"page":"/a b"}', { service_name: 'web' }, false)).toBe('14:03:07.512 WARN  web  slow render  ms=840 page="/a b"');
  });
  it('colours the level on a TTY', () => {
    expect(formatEntry(ts, '{"level":"error","msg":"x"}', { service_name: 'web' }, true)).toContain('\x1b[31mERROR\x1b[0m');
  });
  it('prints an error with its stack and cause', () => {
    const line = JSON.stringify({ level: 'error', msg: 'failed', err: { name: 'Error', message: 'boom', stack: 'Error: boom\n    at a (x.js:1:1)', cause: { name: 'TypeError', message: 'c', stack: 'TypeError: c' } } });
    expect(formatEntry(ts, line, { service_name: 'web', source: 'browser' }, false)).toBe(
      '14:03:07.512 ERROR web{source="browser"}  failed  err=Error: boom\n    Error: boom\n        at a (x.js:1:1)\n    Caused by: TypeError: c',
    );
  });
  it('reads the level of a logfmt line, and shows other lines as they are', () => {
    expect(formatEntry(ts, 'level=debug msg="x y"', { app: 'a' }, false)).toBe('14:03:07.512 DEBUG {app="a"}  level=debug msg="x y"');
    expect(formatEntry(ts, 'plain text', { service_name: 's' }, false)).toBe('14:03:07.512 INFO  s  plain text');
  });
});

describe('Prometheus text', () => {
  it('renders counters with escaped labels and cumulative histograms', () => {
    const counter = new Counter('c_total', 'help', []);
    counter.inc({ reason: 'a"b' }, 2);
    expect(counter.render()).toBe('# HELP c_total help\n# TYPE c_total counter\nc_total{reason="a\\"b"} 2\n');
    const histogram = new Histogram('h_seconds', 'help', [0.1, 1]);
    histogram.observe(0.05);
    histogram.observe(0.5);
    histogram.observe(5);
    expect(histogram.render()).toContain('h_seconds_bucket{le="0.1"} 1\nh_seconds_bucket{le="1"} 2\nh_seconds_bucket{le="+Inf"} 3\nh_seconds_sum 5.55\nh_seconds_count 3\n');
  });
});
