/**
 * A hostile barrage, all at once, from many addresses: gzip bombs, oversized and endless bodies,
 * stalled and abandoned uploads, junk, deep nesting, label explosions, prototype tricks. Each is
 * refused with its own status; afterwards nothing is held (in flight, buffered), the counts add
 * up, and a valid push is still stored.
 */
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS, metric, nowNs, postPush, pushBody, send, startStack, until, type RawAnswer, type Stack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  // A stopped clock for the rate limiter: no token comes back while the flood runs, however slow the machine.
  const frozen = Date.now();
  stack = await startStack({ proxy: { clientAddressHeader: 'x-forwarded-for', readTimeoutMs: 3000, rateLimitBurst: 5, now: () => frozen } });
});
afterAll(() => stack.close());

let client = 0;
/** Every request from its own address, so the rate limiter lets the hostile ones reach every other check. */
const fresh = () => ({ 'x-forwarded-for': `198.51.${(++client >> 8) & 255}.${client & 255}` });

const bomb = gzipSync(Buffer.alloc(1024 * 1024 * 1024), { level: 9 });

/** A request that sends its headers and part of its body, then stalls until the proxy gives up on it. */
function stall(): Promise<string> {
  return new Promise((resolve) => {
    const { port } = new URL(stack.url);
    const socket = connect(Number(port), '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk.toString()));
    socket.on('error', () => resolve(text));
    socket.on('close', () => resolve(text));
    socket.write(`POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Forwarded-For: 203.0.113.${++client & 255}\r\nContent-Length: 100000\r\n\r\n{"streams":[`);
  });
}

/** Sends part of a body and resets the connection: a client that goes away mid-upload. */
function abandon(): Promise<void> {
  return new Promise((resolve) => {
    const { port } = new URL(stack.url);
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`POST /loki/api/v1/push HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500000\r\n\r\n${'x'.repeat(10_000)}`);
      setTimeout(() => {
        socket.resetAndDestroy();
        resolve();
      }, 20);
    });
    socket.on('error', () => resolve());
  });
}

const hostile: Array<[string, () => Promise<RawAnswer | string | void>, number | undefined]> = [
  ['gzip bomb', () => send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip', ...fresh() }, body: bomb }), 413],
  ['2 MiB body', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: 'x'.repeat(2 * 1024 * 1024) }), 413],
  ['2 MiB body, chunked', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: 'x'.repeat(2 * 1024 * 1024), chunked: true }), 413],
  ['random bytes as gzip', () => send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip', ...fresh() }, body: Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 255)) }), 400],
  ['not JSON', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: '{"streams":[{"stream":' }), 400],
  ['nesting a million deep', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: `{"streams":${'['.repeat(500_000)}${']'.repeat(500_000)}}` }), 400],
  ['10 000 labels', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: JSON.stringify({ streams: [{ stream: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`l${i}`, 'v'])), values: [[nowNs(), 'x']] }] }) }), 400],
  ['50 000 entries', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: JSON.stringify({ streams: [{ stream: { a: 'b' }, values: Array.from({ length: 50_000 }, () => ['1', '']) }] }) }), 413],
  ['prototype tricks', () => send(stack.url, { headers: { ...JSON_HEADERS, ...fresh() }, body: `{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"streams":[{"stream":{"__proto__":"x"},"values":[["${nowNs()}","proto"]]}]}` }), 204],
  ['a form post', () => send(stack.url, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...fresh() }, body: 'a=b' }), 415],
  ['a forged batch id', () => send(`${stack.url}?batch=${'<script>'.repeat(3)}`, { headers: { ...JSON_HEADERS, ...fresh() }, body: '{}' }), 400],
  ['a stalled upload', () => stall(), undefined],
  ['an abandoned upload', () => abandon(), undefined],
];

describe('after a hostile barrage', () => {
  it('each attack is refused with its own status, nothing is held, and valid pushes are still stored', async () => {
    const results = await Promise.all(
      Array.from({ length: 3 }, () => hostile.map(([name, attack, status]) => attack().then((answer) => ({ name, status, answer })))).flat(),
    );
    for (const { name, status, answer } of results) {
      if (status !== undefined) expect({ name, status: (answer as RawAnswer).status }).toEqual({ name, status });
    }
    // The stalled uploads were answered 408 before they gave up.
    expect(results.filter((r) => r.name === 'a stalled upload').map((r) => (r.answer as string).slice(0, 12))).toEqual(['HTTP/1.1 408', 'HTTP/1.1 408', 'HTTP/1.1 408']);
    // A flood from one address meets the rate limiter.
    const flood = await Promise.all(Array.from({ length: 20 }, () => send(stack.url, { headers: { ...JSON_HEADERS, 'x-forwarded-for': '192.0.2.99' }, body: '{}' })));
    expect(flood.filter((a) => a.status === 429).length).toBe(15);

    // Nothing is held once it is over.
    await until(() => stack.handler.inFlight === 0, 'requests to finish');
    const metrics = stack.handler.metrics();
    expect(metric(metrics, 'cloudlog_proxy_in_flight_requests')).toBe(0);
    expect(metric(metrics, 'cloudlog_proxy_buffered_bytes')).toBe(0);
    expect(metric(metrics, 'cloudlog_proxy_requests_rejected_total{reason="decompressed_too_large"}')).toBe(3);
    expect(metric(metrics, 'cloudlog_proxy_requests_rejected_total{reason="body_too_large"}')).toBe(6);
    expect(metric(metrics, 'cloudlog_proxy_requests_rejected_total{reason="read_timeout"}')).toBe(3);
    expect(metric(metrics, 'cloudlog_proxy_rate_limited_total')).toBe(15);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();

    // And the proxy still does its job.
    stack.receiver.reset();
    const answer = await postPush(stack.url, pushBody({ service_name: 'after' }, ['still standing']), fresh());
    expect(answer.status).toBe(204);
    expect(stack.receiver.entries({ service_name: 'after' }).map((e) => e.line)).toEqual(['still standing']);
  });
});
