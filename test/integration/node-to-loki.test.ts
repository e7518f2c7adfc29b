/**
 * The built package (dist/index.js), logging from Node into a receiver that enforces Loki's
 * rules, asserted on what Loki would have stored (after its merging).
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
// The built output, as users get it (npm test builds first).
import { createLogger } from '../../dist/index.js';

let loki: LokiReceiver;
beforeAll(async () => {
  loki = await startLokiReceiver({ flavor: '3' });
});
afterAll(async () => {
  await loki.close();
});
beforeEach(() => {
  loki.reset();
});

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('Node → Loki', () => {
  it('delivers every entry once, in order, with its fields, as gzip JSON', async () => {
    const log = createLogger({ url: loki.url, labels: { service_name: 'it-order', env: 'test' } });
    for (let i = 0; i < 2500; i++) log.info('step', { i, even: i % 2 === 0 });
    await expect(log.flush()).resolves.toBe(true);

    const stored = loki.entries({ service_name: 'it-order' });
    expect(stored).toHaveLength(2500);
    expect(stored.map((e) => parse(e.line).i)).toEqual(Array.from({ length: 2500 }, (_, i) => i));
    expect(stored[7]!.stream).toEqual({ service_name: 'it-order', env: 'test' });
    expect(parse(stored[7]!.line)).toEqual({ level: 'info', msg: 'step', i: 7, even: false });
    expect(loki.requests.every((r) => r.status === 204 && r.headers['content-encoding'] === 'gzip')).toBe(true);
    expect(log.stats()).toMatchObject({ enqueued: 2500, sent: 2500, queued: 0, dropped: { total: 0 } });
    await log.close();
  });

  it('keeps identical lines logged in the same millisecond: Loki would merge equal timestamps', async () => {
    const log = createLogger({ url: loki.url, labels: { service_name: 'it-same' } });
    for (let i = 0; i < 500; i++) log.info('same line');
    await log.flush();
    const stored = loki.entries({ service_name: 'it-same' });
    expect(stored).toHaveLength(500);
    expect(new Set(stored.map((e) => e.ts)).size).toBe(500);
    await log.close();
  });

  it('writes levels, child fields and errors with their cause chain', async () => {
    const log = createLogger({ url: loki.url, labels: { service_name: 'it-fields' }, level: 'debug' });
    log.trace('invisible');
    log.debug('dbg');
    const checkout = log.child({ component: 'checkout' });
    const err = new Error('payment failed', { cause: new TypeError('card declined') });
    checkout.error('payment failed', { err, orderId: 'A-17' });
    checkout.fatal('down');
    await log.flush();
    const lines = loki.entries({ service_name: 'it-fields' }).map((e) => parse(e.line));
    expect(lines.map((l) => `${l.level}:${l.msg}`)).toEqual(['debug:dbg', 'error:payment failed', 'fatal:down']);
    expect(lines[1]).toMatchObject({
      component: 'checkout',
      orderId: 'A-17',
      err: { name: 'Error', message: 'payment failed', cause: { name: 'TypeError', message: 'card declined' } },
    });
    expect(String((lines[1]!.err as { stack: string }).stack)).toContain('payment failed');
    expect(lines[2]).toMatchObject({ component: 'checkout' });
    await log.close();
  });

  it('sanitizes labels Loki would refuse, and the push is accepted', async () => {
    const log = createLogger({ url: loki.url, labels: { 'service.name': 'it-labels', 'k8s-namespace': 'prod', '1zone': 'a', empty: '' } });
    log.info('hello');
    await log.flush();
    expect(loki.entries({ service_name: 'it-labels' })[0]!.stream).toEqual({ service_name: 'it-labels', k8s_namespace: 'prod', _1zone: 'a' });
    expect(log.stats().dropped.total).toBe(0);
    await log.close();
  });

  it('sends a line over the cap truncated and accepted, never refused', async () => {
    const log = createLogger({ url: loki.url, labels: { service_name: 'it-long' } });
    log.warn('big', { blob: 'é'.repeat(300_000) });
    log.info('after');
    await log.flush();
    const stored = loki.entries({ service_name: 'it-long' });
    expect(stored.map((e) => parse(e.line).msg)).toEqual(['big', 'after']);
    expect(parse(stored[0]!.line)).toMatchObject({ truncated: true, level: 'warn' });
    expect(loki.requests.every((r) => r.status === 204)).toBe(true);
    await log.close();
  });

  it('sends basic auth, bearer and tenant headers from Node', async () => {
    const basic = createLogger({ url: loki.url, labels: { service_name: 'it-auth' }, username: '1234', password: 'glc_token', tenant: 'team-a' });
    basic.info('x');
    await basic.flush();
    expect(loki.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('1234:glc_token').toString('base64')}`);
    expect(loki.requests[0]!.headers['x-scope-orgid']).toBe('team-a');
    const bearer = createLogger({ url: loki.url, labels: { service_name: 'it-auth' }, bearerToken: 'tok', headers: { 'X-Trace': '1' } });
    bearer.info('y');
    await bearer.flush();
    expect(loki.requests[1]!.headers.authorization).toBe('Bearer tok');
    expect(loki.requests[1]!.headers['x-trace']).toBe('1');
    await Promise.all([basic.close(), bearer.close()]);
  });

  it('counts a refused push as dropped with Loki’s reason instead of losing it silently', async () => {
    const log = createLogger({ url: loki.url.replace('/loki/api/v1/push', '/wrong/path'), labels: { service_name: 'it-404' } });
    log.info('x');
    await log.flush();
    const stats = log.stats();
    expect(stats.dropped).toMatchObject({ rejected: 1, total: 1 });
    expect(stats.lastError?.status).toBe(404);
    await log.close();
  });
});

describe('Node process lifecycle', () => {
  function runScript(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', source], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('exit', (code) => resolve({ code, stdout, stderr }));
    });
  }

  it('exits by itself after close(), with everything delivered', async () => {
    const result = await runScript(`
      import { createLogger } from './dist/index.js';
      const log = createLogger({ url: ${JSON.stringify(loki.url)}, labels: { service_name: 'it-exit' } });
      for (let i = 0; i < 100; i++) log.info('bye', { i });
      await log.close();
      console.log(JSON.stringify(log.stats()));
    `);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ sent: 100, queued: 0 });
    expect(loki.entries({ service_name: 'it-exit' })).toHaveLength(100);
  });

  it('delivers what is queued when a script ends without close(), and still exits', async () => {
    const result = await runScript(`
      import { createLogger } from './dist/index.js';
      const log = createLogger({ url: ${JSON.stringify(loki.url)}, labels: { service_name: 'it-noclose' } });
      for (let i = 0; i < 10; i++) log.info('forgot to close', { i });
    `);
    expect(result.code).toBe(0);
    expect(loki.entries({ service_name: 'it-noclose' })).toHaveLength(10);
  });

  it('does not hold the process open when the endpoint is unreachable', async () => {
    const result = await runScript(`
      import { createLogger } from './dist/index.js';
      const log = createLogger({ url: 'http://127.0.0.1:9/loki/api/v1/push', closeTimeoutMs: 500, flushIntervalMs: 10 });
      log.info('nobody listens');
      await log.close();
      console.log(JSON.stringify(log.stats().dropped));
    `);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ closed: 1, total: 1 });
  });
});
