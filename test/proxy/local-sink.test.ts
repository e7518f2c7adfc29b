/**
 * The embedded local sink: the same validation as the way to Loki, entries printed readably
 * (coloured on a TTY) and appended to an NDJSON file.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProxyHandler } from '../../src/proxy/create-proxy-handler.js';
import { createLocalSink } from '../../src/proxy/local-sink.js';
import { pushBody, until } from './stack.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudlog-sink-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function terminal(isTTY: boolean) {
  const written: string[] = [];
  return { output: { isTTY, write: (text: string) => written.push(text) }, text: () => written.join('') };
}

const post = (proxy: ReturnType<typeof createProxyHandler>, body: string) =>
  proxy(new Request('http://127.0.0.1:3100/loki/api/v1/push', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));

describe('the local sink', () => {
  it('prints each entry as a line to read and appends it to the NDJSON file', async () => {
    const file = join(dir, 'entries.ndjson');
    const screen = terminal(false);
    const proxy = createProxyHandler({ sink: createLocalSink({ output: screen.output, file }), forcedLabels: { source: 'browser' } });
    const lines = [
      JSON.stringify({ level: 'info', msg: 'user signed in', userId: 42 }),
      JSON.stringify({ level: 'error', msg: 'payment failed', orderId: 'A-17', err: { name: 'Error', message: 'card declined', stack: 'Error: card declined\n    at pay (app.js:3:9)' } }),
    ];
    const body = pushBody({ service_name: 'shop' }, lines);
    expect((await post(proxy, body)).status).toBe(204);
    await proxy.close();

    const printed = screen.text().split('\n');
    expect(printed[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO  shop\{source="browser"\}  user signed in  userId=42$/);
    expect(printed[1]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} ERROR shop\{source="browser"\}  payment failed  orderId=A-17 err=Error: card declined$/);
    expect(printed.slice(2, 4)).toEqual(['    Error: card declined', '        at pay (app.js:3:9)']);
    expect(screen.text()).not.toContain('\x1b[');

    const records = (await readFile(file, 'utf8')).trim().split('\n').map((row) => JSON.parse(row) as Record<string, unknown>);
    const sent = JSON.parse(body) as { streams: [{ values: [string, string][] }] };
    expect(records).toEqual(
      sent.streams[0].values.map(([ts, line]) => ({ ts, time: new Date(Number(BigInt(ts) / 1_000_000n)).toISOString(), labels: { service_name: 'shop', source: 'browser' }, line })),
    );
  });

  it('colours levels on a TTY', async () => {
    const screen = terminal(true);
    const proxy = createProxyHandler({ sink: createLocalSink({ output: screen.output }) });
    await post(proxy, pushBody({ service_name: 'shop' }, [JSON.stringify({ level: 'warn', msg: 'slow' }), JSON.stringify({ level: 'error', msg: 'down' })]));
    expect(screen.text()).toContain('\x1b[33mWARN \x1b[0m');
    expect(screen.text()).toContain('\x1b[31mERROR\x1b[0m');
  });

  it('validates exactly as the way to Loki does: the refused entries are neither printed nor written', async () => {
    const file = join(dir, 'refused.ndjson');
    const screen = terminal(false);
    const proxy = createProxyHandler({ sink: createLocalSink({ output: screen.output, file }), maxLineBytes: 50 });
    const response = await post(proxy, pushBody({ service_name: 'shop' }, ['short', 'x'.repeat(51)]));
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('1 entry with a line over 50 bytes');
    await proxy.close();
    expect(screen.text()).toMatch(/ INFO  shop  short\n$/);
    expect((await readFile(file, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  it('writes concurrent pushes one after the other: every record whole, none lost', async () => {
    const file = join(dir, 'order.ndjson');
    const proxy = createProxyHandler({ sink: createLocalSink({ output: false, file }), rateLimitPerSecond: 0 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => post(proxy, pushBody({ service_name: 'order' }, [`push ${i}`]))));
    await proxy.close();
    const lines = (await readFile(file, 'utf8')).trim().split('\n').map((row) => (JSON.parse(row) as { line: string }).line);
    expect(lines.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `push ${i}`).sort());
  });

  it('a file it cannot write: 503, so the client keeps the entries and retries', async () => {
    const proxy = createProxyHandler({ sink: createLocalSink({ output: false, file: join(dir, 'missing-dir', 'x.ndjson') }) });
    const response = await post(proxy, pushBody({ service_name: 'shop' }, ['x']));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.text()).toContain('the local sink could not write');
  });

  it('refuses a bad output or file at setup', () => {
    expect(() => createLocalSink({ output: {} as never })).toThrow('must have a write(text) method');
    expect(() => createLocalSink({ file: '' })).toThrow('must be a file path');
  });
});

describe('the local sink and a slow terminal', () => {
  it('answers a push only once the terminal has taken what it printed', async () => {
    let drain: (() => void) | undefined;
    const output = { write: () => false, once: (_: 'drain', listener: () => void) => (drain = listener) };
    const proxy = createProxyHandler({ sink: createLocalSink({ output }) });
    let answered = false;
    const response = post(proxy, pushBody({ service_name: 'slow' }, ['x'])).then((r) => ((answered = true), r));
    await until(() => drain !== undefined, 'the sink to wait for the terminal');
    expect(answered).toBe(false);
    drain!();
    expect((await response).status).toBe(204);
  });
});
