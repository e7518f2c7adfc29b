import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { resolveOptions } from '../../src/options/resolve-options.js';

const url = 'http://127.0.0.1:3100/loki/api/v1/push';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('resolveOptions', () => {
  it('applies the documented defaults', () => {
    const o = resolveOptions({ url });
    expect(o).toMatchObject({
      url,
      labels: { service_name: 'unknown_service' },
      level: 'info',
      format: 'json',
      maxBatchBytes: 1024 * 1024,
      flushIntervalMs: 1000,
      compression: 'gzip',
      headers: {},
    });
  });

  it.each([
    [undefined, /needs an options object/],
    [{}, /`url` is required/],
    [{ url: 'not a url' }, /not a valid URL/],
    [{ url: 'ftp://x/y' }, /http or https/],
    [{ url: 'http://user:pw@x/loki/api/v1/push' }, /credentials in the `username`/],
    [{ url, level: 'verbose' }, /unknown `level` "verbose"; use one of trace, debug, info, warn, error, fatal/],
    [{ url, labels: ['a'] }, /plain object of strings/],
    [{ url, labels: { env: 1 } }, /must be a string/],
    [{ url, format: 'xml' }, /'json' or 'logfmt'/],
    [{ url, maxBatchEntries: 0 }, /`maxBatchEntries` must be an integer from 1 to 2147483647/],
    [{ url, flushIntervalMs: -1 }, /`flushIntervalMs` must be an integer from 0/],
    [{ url, flushIntervalMs: 3e9 }, /`flushIntervalMs` must be an integer from 0 to 2147483647; got 3000000000/],
    [{ url, maxBatchBytes: 1.5 }, /integer/],
    [{ url, username: 'u' }, /both `username` and `password`/],
    [{ url, bearerToken: 't', username: 'u', password: 'p' }, /either `bearerToken` or/],
    [{ url, tenant: '' }, /`tenant` must be a non-empty string/],
    [{ url, onEvent: 'yes' }, /`onEvent` must be a function/],
    [{ url, timeoutMs: 500 }, /unknown option `timeoutMs`; did you mean `requestTimeoutMs`\?/],
    [{ url, Level: 'debug' }, /unknown option `Level`; did you mean `level`\?/],
    [{ url, labes: { app: 'x' } }, /unknown option `labes` \(the options are listed in the README\)/],
  ])('refuses %j with a TypeError that says what to do', (options, message) => {
    expect(() => resolveOptions(options)).toThrow(ConfigError);
    expect(() => resolveOptions(options)).toThrow(TypeError);
    expect(() => resolveOptions(options)).toThrow(message);
  });

  it('accepts every documented option, and unknown ones left undefined (spread configs)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const documented = [...readme.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]!);
    expect(documented).toEqual(expect.arrayContaining(['url', 'labels', 'requestTimeoutMs', 'fetch', 'onEvent', 'bearerToken']));
    const values: Record<string, unknown> = { url, labels: { app: 'shop' }, fields: { v: 1 }, fetch, onEvent: () => {}, username: 'u', headers: { 'x-a': 'b' }, tenant: 't', bearerToken: 'tok' };
    for (const name of documented) {
      const value = name in values ? values[name] : resolveOptions({ url })[name as keyof ReturnType<typeof resolveOptions>];
      const pair = name === 'username' ? { password: 'p' } : {}; // the row is `username` / `password`
      expect(() => resolveOptions({ url, ...pair, [name]: value }), name).not.toThrow();
    }
    expect(() => resolveOptions({ url, requestTimeout: undefined })).not.toThrow();
  });

  it('builds Node auth and tenant headers', () => {
    expect(resolveOptions({ url, username: '123', password: 'tökén', tenant: 'team-a', headers: { 'X-Extra': '1' } }).headers).toEqual({
      authorization: `Basic ${Buffer.from('123:tökén').toString('base64')}`,
      'x-scope-orgid': 'team-a',
      'x-extra': '1',
    });
    expect(resolveOptions({ url, bearerToken: 'abc' }).headers).toEqual({ authorization: 'Bearer abc' });
  });

  it('refuses credentials in a browser and points to the proxy', () => {
    vi.stubGlobal('process', undefined);
    vi.stubGlobal('document', {});
    expect(() => resolveOptions({ url, username: 'u', password: 'p' })).toThrow(/cannot be used in a browser.*cloudlog-proxy/);
    expect(() => resolveOptions({ url, tenant: 't' })).toThrow(/`tenant`/);
    expect(resolveOptions({ url }).url).toBe(url);
  });

  it('resolves a path against the page in a browser', () => {
    vi.stubGlobal('process', undefined);
    vi.stubGlobal('document', {});
    vi.stubGlobal('location', { href: 'https://shop.example.com/cart?x=1' });
    expect(resolveOptions({ url: '/loki/api/v1/push' }).url).toBe('https://shop.example.com/loki/api/v1/push');
  });
});
