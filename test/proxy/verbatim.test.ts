/**
 * When the proxy forwards the client's own gzip bytes (the SDK's pushes usually pass untouched)
 * and when it must re-encode: whatever Loki decodes is exactly what was validated. Bodies built
 * to be read one way by the proxy's JSON.parse and another way by Loki (duplicate keys, invalid
 * UTF-8, a BOM, lone surrogate escapes) never reach Loki as sent.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { postPush, pushBody, send, startStack, nowNs, type Stack } from './stack.js';

let stack: Stack;
const bodies: Buffer[] = [];
beforeAll(async () => {
  stack = await startStack({
    receiver: {
      intercept: ({ body }) => {
        bodies.push(body);
        return undefined; // then stored as usual
      },
    },
    proxy: { allowedLabels: ['service_name', 'env'], rateLimitPerSecond: 0 },
  });
});
afterAll(() => stack.close());
afterEach(() => {
  bodies.length = 0;
  stack.receiver.reset();
});

const forwarded = () => gunzipSync(bodies.at(-1)!).toString('utf8');

describe('forwarding', () => {
  it("an untouched push goes on as the client's own gzip bytes", async () => {
    const text = pushBody({ service_name: 'web' }, ['a', 'b']);
    const zipped = gzipSync(text, { level: 9 });
    expect((await send(stack.url, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: zipped })).status).toBe(204);
    expect(Buffer.compare(bodies[0]!, zipped)).toBe(0);
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['a', 'b']);
  });

  it('a push the proxy changed is re-encoded (here: an empty label dropped)', async () => {
    const text = pushBody({ service_name: 'web', env: '' }, ['a']);
    const zipped = gzipSync(text);
    expect((await send(stack.url, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: zipped })).status).toBe(204);
    expect(Buffer.compare(bodies[0]!, zipped)).not.toBe(0);
    const { values } = (JSON.parse(text) as { streams: [{ values: unknown }] }).streams[0];
    expect(forwarded()).toBe(JSON.stringify({ streams: [{ stream: { service_name: 'web' }, values }] }));
  });

  it('a duplicate "streams" key cannot smuggle a stream past the allowlist', async () => {
    const smuggled = `{"streams":[{"stream":{"service_name":"web","user_id":"42"},"values":[["${nowNs()}","smuggled"]]}],"streams":[{"stream":{"service_name":"web"},"values":[["${nowNs(0, 1)}","checked"]]}]}`;
    expect((await postPush(stack.url, smuggled)).status).toBe(204);
    expect(forwarded()).not.toContain('smuggled');
    expect(stack.receiver.entries().map((e) => [e.stream, e.line])).toEqual([[{ service_name: 'web' }, 'checked']]);
  });

  it('a duplicate label key is forwarded as the one value that was checked', async () => {
    const body = `{"streams":[{"stream":{"service_name":"${'x'.repeat(3000)}","service_name":"web"},"values":[["${nowNs()}","dup"]]}]}`;
    expect((await postPush(stack.url, body)).status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.stream)).toEqual([{ service_name: 'web' }]);
  });

  it('invalid UTF-8 reaches Loki as U+FFFD, not as the raw bytes', async () => {
    const head = Buffer.from(`{"streams":[{"stream":{"service_name":"web"},"values":[["${nowNs()}","bad `);
    const body = Buffer.concat([head, Buffer.from([0xc3, 0x28]), Buffer.from(' byte"]]}]}')]);
    expect((await send(stack.url, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) })).status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['bad \ufffd( byte']);
  });

  it('a BOM is dropped, and the push stored (Loki would refuse it whole)', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pushBody({ service_name: 'web' }, ['after a bom']))]);
    expect((await send(stack.url, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(body) })).status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['after a bom']);
  });

  it('a lone surrogate escape is repaired (Loki would refuse the whole push)', async () => {
    const body = `{"streams":[{"stream":{"service_name":"web"},"values":[["${nowNs()}","lone \\ud800 surrogate"]]}]}`;
    expect((await postPush(stack.url, body)).status).toBe(204);
    expect(stack.receiver.entries().map((e) => e.line)).toEqual(['lone \ufffd surrogate']);
  });
});
