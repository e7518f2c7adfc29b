/**
 * Every limit of the proxy over real HTTP, in front of the Loki-rules receiver: the status a
 * client gets, the message it reads, and what reached Loki (nothing, or only the valid part).
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS, metric, nowNs, postPush, pushBody, send, startStack, type Stack } from './stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    proxy: {
      maxBodyBytes: 4096,
      maxDecompressedBytes: 64 * 1024,
      maxStreams: 3,
      maxEntries: 20,
      maxLineBytes: 100,
      readTimeoutMs: 300,
      allowedLabels: ['service_name', 'env'],
      forcedLabels: { source: 'browser' },
      rateLimitPerSecond: 0,
    },
  });
});
afterAll(() => stack.close());
afterEach(() => stack.receiver.reset());

const refusal = (status: number, message: string | RegExp) => ({ status, text: typeof message === 'string' ? expect.stringContaining(message) : expect.stringMatching(message) });

describe('request limits: refused whole, nothing forwarded', () => {
  it('a body over maxBodyBytes, declared by Content-Length: 413 before reading it', async () => {
    const answer = await send(stack.url, { headers: JSON_HEADERS, body: 'x'.repeat(5000) });
    expect(answer).toMatchObject(refusal(413, 'cloudlog-proxy: the request body is 5000 bytes, over 4096: split the batch'));
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('after an early refusal the unread body is drained, and the connection carries the next push', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<unknown>();
      const post = (body: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpRequest(stack.url, { method: 'POST', agent, headers: { ...JSON_HEADERS, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
            sockets.add(res.socket);
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(body);
        });
      expect(await post('x'.repeat(5000))).toBe(413);
      expect(await post(pushBody({ env: 'reuse' }, ['after a 413']))).toBe(204);
      expect(sockets.size).toBe(1);
      expect(stack.receiver.entries().map((e) => e.line)).toEqual(['after a 413']);
    } finally {
      agent.destroy();
    }
  });

  it('a chunked body that grows past maxBodyBytes: 413 as soon as it does', async () => {
    const answer = await send(stack.url, { headers: JSON_HEADERS, body: 'x'.repeat(20_000), chunked: true });
    expect(answer).toMatchObject(refusal(413, 'cloudlog-proxy: the request body is over 4096 bytes: split the batch'));
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('a gzip bomb is refused while inflating, never inflated whole', async () => {
    // 3 KiB of gzip that inflates to 3 MiB of zeros; the limit is 64 KiB.
    const bomb = gzipSync(Buffer.alloc(3 * 1024 * 1024), { level: 9 });
    expect(bomb.byteLength).toBeLessThan(4096);
    const before = metric(stack.handler.metrics(), 'cloudlog_proxy_decompressed_bytes_total');
    const answer = await send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: bomb });
    expect(answer).toMatchObject(refusal(413, 'cloudlog-proxy: the body inflates past 65536 bytes: split the batch'));
    const metrics = stack.handler.metrics();
    expect(metric(metrics, 'cloudlog_proxy_requests_rejected_total{reason="decompressed_too_large"}')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'cloudlog_proxy_decompressed_bytes_total')).toBe(before);
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('a body that says gzip but is not: 400', async () => {
    const answer = await send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: pushBody({ env: 'x' }, ['a']) });
    expect(answer).toMatchObject(refusal(400, 'cloudlog-proxy: Content-Encoding is gzip but the body is not valid gzip'));
  });

  it('a truncated gzip body: 400', async () => {
    const zipped = gzipSync(pushBody({ env: 'x' }, ['a']));
    const answer = await send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'gzip' }, body: zipped.subarray(0, zipped.length - 6) });
    expect(answer).toMatchObject(refusal(400, 'not valid gzip'));
  });

  it.each([
    ['application/x-protobuf', 'Content-Type "application/x-protobuf" is not accepted: send Loki push JSON as application/json'],
    ['application/x-www-form-urlencoded', 'Content-Type "application/x-www-form-urlencoded" is not accepted'],
    ['', 'Content-Type "" is not accepted'],
  ])('Content-Type %j: 415', async (type, message) => {
    const answer = await send(stack.url, { headers: type === '' ? {} : { 'content-type': type }, body: pushBody({ env: 'x' }, ['a']) });
    expect(answer).toMatchObject(refusal(415, message));
  });

  it('Content-Encoding br: 415', async () => {
    const answer = await send(stack.url, { headers: { ...JSON_HEADERS, 'content-encoding': 'br' }, body: 'x' });
    expect(answer).toMatchObject(refusal(415, 'Content-Encoding "br" is not accepted: send gzip or no encoding'));
  });

  it('a malformed batch id: 400', async () => {
    const answer = await send(`${stack.url}?batch=short`, { headers: JSON_HEADERS, body: pushBody({ env: 'x' }, ['a']) });
    expect(answer).toMatchObject(refusal(400, 'the batch id (X-Cloudlog-Batch-Id or ?batch=) must be 16 to 64 characters'));
  });

  it('not JSON, and not a Loki push: 400 naming the problem', async () => {
    expect(await send(stack.url, { headers: JSON_HEADERS, body: '{"streams":' })).toMatchObject(refusal(400, /^cloudlog-proxy: the body is not JSON \(/));
    expect(await send(stack.url, { headers: JSON_HEADERS, body: `{"streams":[{"stream":{"env":"x"},"values":[[${Date.now()}000000,"a"]]}]}` })).toMatchObject(
      refusal(400, 'cloudlog-proxy: not a Loki push: streams[0].values[0]: the timestamp must be a string of nanoseconds'),
    );
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('too many streams or entries: 413, which the SDK answers by splitting', async () => {
    const streams = JSON.stringify({ streams: ['a', 'b', 'c', 'd'].map((env) => ({ stream: { env }, values: [[nowNs(), 'x']] })) });
    expect(await send(stack.url, { headers: JSON_HEADERS, body: streams })).toMatchObject(refusal(413, '4 streams in one push; at most 3: split it'));
    const entries = pushBody({ env: 'x' }, Array.from({ length: 21 }, (_, i) => `line ${i}`));
    expect(await send(stack.url, { headers: JSON_HEADERS, body: entries })).toMatchObject(refusal(413, '21 entries in one push; at most 20: split it'));
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('a body that trickles in slower than readTimeoutMs: 408 with Retry-After (the SDK retries)', async () => {
    const { port } = new URL(stack.url);
    const socket = connect(Number(port), '127.0.0.1');
    const answer = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
      socket.write(`POST /loki/api/v1/push HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"streams":`);
      // …and then nothing more.
    });
    socket.destroy();
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer.toLowerCase()).toContain('retry-after: 1');
    expect(answer).toContain('cloudlog-proxy: the request body did not arrive within 300 ms');
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_requests_rejected_total{reason="read_timeout"}')).toBeGreaterThanOrEqual(1);
  });

  it('other methods and paths', async () => {
    expect(await send(stack.url, { method: 'GET' })).toMatchObject({ status: 405, headers: { allow: 'POST, OPTIONS' } });
    expect(await send(`${stack.proxy.origin}/loki/api/v1/query`, { method: 'GET' })).toMatchObject(refusal(404, 'cloudlog-proxy: not found'));
  });
});

describe('stream and entry limits: the rest is forwarded, the answer names what was refused', () => {
  it('labels outside the allowlist refuse their stream; forced labels are set on the others', async () => {
    const body = JSON.stringify({
      streams: [
        { stream: { service_name: 'web', user_id: '42' }, values: [[nowNs(), 'refused']] },
        { stream: { service_name: 'web', source: 'spoofed' }, values: [[nowNs(0, 1), 'kept']] },
      ],
    });
    const answer = await postPush(stack.url, body);
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      'cloudlog-proxy: 1 of 2 entries refused\nstream {service_name="web", user_id="42"}: label "user_id" is not allowed (allowed: service_name, env) (1 entry refused)\ntotal ignored: 1 out of 2\n',
    );
    expect(stack.receiver.entries().map((e) => [e.stream, e.line])).toEqual([[{ service_name: 'web', source: 'browser' }, 'kept']]);
  });

  it('invalid label names, too many labels, long values', async () => {
    const long = 'v'.repeat(2049);
    const body = JSON.stringify({
      streams: [
        { stream: { 'service-name': 'web' }, values: [[nowNs(), 'a']] },
        { stream: { env: long }, values: [[nowNs(), 'b']] },
        { stream: { env: 'ok' }, values: [[nowNs(), 'c']] },
      ],
    });
    const answer = await postPush(stack.url, body);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('label name "service-name" is not valid: Loki label names match [a-zA-Z_][a-zA-Z0-9_]*');
    expect(answer.text).toContain('label "env" has a value of 2049 bytes; at most 2048');
    expect(answer.text).toContain('total ignored: 2 out of 3');
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['c']);
  });

  it('lines over maxLineBytes and timestamps out of the window', async () => {
    const body = JSON.stringify({
      streams: [
        {
          stream: { env: 'e' },
          values: [
            [nowNs(-8 * 24 * 3600_000), 'a week and a day old'],
            [nowNs(0, 1), 'x'.repeat(101)],
            [nowNs(0, 2), 'fine'],
          ],
        },
      ],
    });
    const answer = await postPush(stack.url, body);
    expect(answer.status).toBe(400);
    expect(answer.text).toMatch(/stream \{env="e"\}: 1 entry with timestamp too old \(like .+; oldest accepted .+\)/);
    expect(answer.text).toContain('stream {env="e"}: 1 entry with a line over 100 bytes (like one of 101 bytes)');
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['fine']);
    const metrics = stack.handler.metrics();
    expect(metric(metrics, 'cloudlog_proxy_entries_rejected_total{reason="timestamp_too_old"}')).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'cloudlog_proxy_entries_rejected_total{reason="line_too_long"}')).toBeGreaterThanOrEqual(1);
  });

  it('a push from a clock an hour ahead is stored, moved back to now (clamp)', async () => {
    const before = BigInt(Date.now()) * 1_000_000n;
    const answer = await postPush(stack.url, pushBody({ env: 'skew' }, ['first', 'second'], 3600_000));
    expect(answer.status).toBe(204);
    const stored = stack.receiver.entries();
    expect(stored.map((e) => e.line)).toEqual(['first', 'second']);
    const [first, second] = stored.map((e) => BigInt(e.ts));
    expect(second! - first!).toBe(1n);
    expect(second! >= before && second! <= BigInt(Date.now()) * 1_000_000n).toBe(true);
  });

  it('every entry refused: 400, nothing forwarded', async () => {
    const answer = await postPush(stack.url, pushBody({ nope: 'x' }, ['a', 'b']));
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('total ignored: 2 out of 2');
    expect(stack.receiver.requests).toHaveLength(0);
  });

  it('empty lines are dropped (Loki stores nothing for them) and counted', async () => {
    const answer = await postPush(stack.url, pushBody({ env: 'e' }, ['', 'kept']));
    expect(answer.status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['kept']);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_entries_rejected_total{reason="empty_line"}')).toBeGreaterThanOrEqual(1);
  });

  it('an empty push: 204, nothing forwarded', async () => {
    expect(await send(stack.url, { headers: JSON_HEADERS, body: '{"streams":[]}' })).toMatchObject({ status: 204 });
    expect(stack.receiver.requests).toHaveLength(0);
  });
});
