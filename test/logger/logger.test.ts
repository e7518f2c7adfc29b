import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/index.js';

type Push = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

/** A fetch that stores every push it is given and answers 204: enough to read what a logger sends. */
function recordingFetch() {
  const pushes: Push[] = [];
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    pushes.push((await request.json()) as Push);
    return new Response(null, { status: 204 });
  }) as typeof globalThis.fetch;
  const lines = () => pushes.flatMap((p) => p.streams.flatMap((s) => s.values.map((v) => JSON.parse(v[1]) as Record<string, unknown>)));
  return { fetch, pushes, lines };
}

const url = 'http://127.0.0.1:9/loki/api/v1/push';

describe('createLogger', () => {
  it('writes enabled levels only, with the level in the line', async () => {
    const r = recordingFetch();
    const log = createLogger({ url, fetch: r.fetch, compression: 'none', level: 'warn' });
    log.trace('t');
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    log.fatal('f');
    await log.flush();
    expect(r.lines().map((l) => `${l.level}:${l.msg}`)).toEqual(['warn:w', 'error:e', 'fatal:f']);
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(log.stats().enqueued).toBe(3);
    await log.close();
  });

  it('merges child fields under the call’s own, without touching the parent', async () => {
    const r = recordingFetch();
    const log = createLogger({ url, fetch: r.fetch, compression: 'none', fields: { app: 'shop' } });
    const bound = { component: 'checkout', step: 1 };
    const checkout = log.child(bound);
    bound.step = 99; // later mutation must not leak into entries
    checkout.warn('slow render', { ms: 840, step: 2 });
    checkout.child({ sub: 'pay' }).info('nested');
    log.info('root');
    await log.flush();
    expect(r.lines()).toEqual([
      { level: 'warn', msg: 'slow render', app: 'shop', component: 'checkout', step: 2, ms: 840 },
      { level: 'info', msg: 'nested', app: 'shop', component: 'checkout', step: 1, sub: 'pay' },
      { level: 'info', msg: 'root', app: 'shop' },
    ]);
    await log.close();
  });

  it('keeps the whole error when an Error is the message', async () => {
    const r = recordingFetch();
    const log = createLogger({ url, fetch: r.fetch, compression: 'none' });
    log.error(new RangeError('out of range'));
    await log.flush();
    expect(r.lines()[0]).toMatchObject({ msg: 'RangeError: out of range', err: { name: 'RangeError', message: 'out of range' } });
    await log.close();
  });

  it('sends labels as the stream and writes logfmt when asked', async () => {
    const r = recordingFetch();
    const log = createLogger({ url, fetch: r.fetch, compression: 'none', format: 'logfmt', labels: { service_name: 'shop', 'k8s.ns': 'prod' } });
    log.info('hello world', { n: 1 });
    await log.flush();
    expect(r.pushes[0]!.streams[0]!.stream).toEqual({ service_name: 'shop', k8s_ns: 'prod' });
    expect(r.pushes[0]!.streams[0]!.values[0]![1]).toBe('level=info msg="hello world" n=1');
    await log.close();
  });

  it('truncates a 10 MB field to a line under the cap and keeps the entry', async () => {
    const r = recordingFetch();
    const log = createLogger({ url, fetch: r.fetch, compression: 'none' });
    log.info('huge', { blob: 'x'.repeat(10 * 1024 * 1024) });
    await log.flush();
    const line = r.pushes[0]!.streams[0]!.values[0]![1];
    expect(new TextEncoder().encode(line).byteLength).toBeLessThanOrEqual(256_000);
    expect(JSON.parse(line)).toMatchObject({ level: 'info', msg: 'huge', truncated: true });
    await log.close();
  });
});
