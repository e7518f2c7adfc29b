/**
 * The push request, both ways it is made: with ky (ESM/CJS builds) and with fetch + AbortController
 * (the `<script>` bundle, where ky's 4 KiB would break the size budget). Same contract, real HTTP
 * server on 127.0.0.1: every status is an answer, a silent server is a timeout, close()'s abort
 * and network failures are errors that are not timeouts, and nothing ever hangs.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHttpTransport } from '../../src/transport/http-transport.js';
import { fetchPost, kyPost, PostTimeoutError, type Post } from '../../src/transport/post.js';

interface Seen {
  method: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  aborted: boolean;
}

let server: Server;
let base: string;
let seen: Seen[];
let answer: (req: IncomingMessage, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const record: Seen = { method: req.method ?? '', headers: req.headers, body: Buffer.alloc(0), aborted: false };
    seen.push(record);
    res.on('close', () => {
      if (!res.writableFinished) record.aborted = true;
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      record.body = Buffer.concat(chunks);
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
beforeEach(() => {
  seen = [];
  answer = (_req, res) => res.writeHead(204).end();
});

const TIMEOUT_MS = 300;
const ways: Array<[string, (fetchFn: typeof fetch, timeoutMs: number) => Post]> = [
  ['ky (ESM and CJS builds)', kyPost],
  ['fetch + AbortController (<script> bundle)', fetchPost],
];

describe.each(ways)('post with %s', (_name, makePost) => {
  const post = (fetchFn: typeof fetch = fetch) => makePost(fetchFn, TIMEOUT_MS);

  it('POSTs the body and headers as given and resolves with the answer', async () => {
    const body = new Uint8Array(gzipSync('{"streams":[]}'));
    const response = await post()(`${base}/loki/api/v1/push`, {
      body,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-cloudlog-batch-id': 'b-1' },
    });
    expect(response.status).toBe(204);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.method).toBe('POST');
    expect(seen[0]!.headers).toMatchObject({ 'content-type': 'application/json', 'content-encoding': 'gzip', 'x-cloudlog-batch-id': 'b-1' });
    expect(gunzipSync(seen[0]!.body).toString()).toBe('{"streams":[]}');
  });

  it('sends a string body as UTF-8', async () => {
    await post()(base, { body: '{"msg":"größe ✓"}', headers: { 'content-type': 'application/json' } });
    expect(seen[0]!.body.toString('utf8')).toBe('{"msg":"größe ✓"}');
  });

  it('resolves with error answers too (the classifier reads every status and header)', async () => {
    answer = (_req, res) => res.writeHead(503, { 'retry-after': '7' }).end('ingester unavailable');
    const response = await post()(base, { body: '{}', headers: {} });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.text()).toBe('ingester unavailable');
  });

  it('rejects with PostTimeoutError when no answer comes in time, and abandons the request', async () => {
    answer = () => {}; // never answers
    const error = await post()(base, { body: '{}', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PostTimeoutError);
    expect((error as Error).message).toBe(`no answer within ${TIMEOUT_MS} ms`);
    await expect.poll(() => seen[0]?.aborted).toBe(true);
  });

  it("rejects with the caller's abort (close()'s deadline), not a timeout", async () => {
    answer = () => {};
    const controller = new AbortController();
    const sent = post()(base, { body: '{}', headers: {}, signal: controller.signal }).catch((e: unknown) => e);
    await expect.poll(() => seen.length).toBe(1);
    controller.abort(new Error('closing'));
    const error = await sent;
    expect(error).not.toBeInstanceOf(PostTimeoutError);
    expect(error).toBeInstanceOf(Error);
    await expect.poll(() => seen[0]!.aborted).toBe(true);
  });

  it('does not send at all when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const error = await post()(base, { body: '{}', headers: {}, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PostTimeoutError);
    expect(seen).toHaveLength(0);
  });

  it('rejects (and settles) when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await post()(`http://127.0.0.1:${port}/`, { body: '{}', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PostTimeoutError);
  });

  it('settles when a custom fetch rejects at once (ky < 1.14.2 never did)', async () => {
    const failing = (() => Promise.reject(new TypeError('offline'))) as typeof fetch;
    const error = await post(failing)(base, { body: '{}', headers: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
  });

  it('turns each outcome into the SendResult the pipeline acts on', async () => {
    const transport = (p: Post) => createHttpTransport({ url: base, headers: {}, timeoutMs: TIMEOUT_MS, compression: 'none', fetch }, p);
    const batch = () => ({ id: 'b-2', body: '{"streams":[]}' });
    expect(await transport(post()).send(batch())).toMatchObject({ kind: 'success', status: 204 });

    answer = (_req, res) => res.writeHead(429, { 'retry-after': '3' }).end();
    expect(await transport(post()).send(batch())).toMatchObject({ kind: 'retryable', status: 429, retryAfterMs: 3000 });

    answer = () => {};
    const timedOut = await transport(post()).send(batch());
    expect(timedOut.kind).toBe('retryable');
    expect(timedOut.kind === 'retryable' && timedOut.error.message).toBe(`push timed out after ${TIMEOUT_MS} ms`);
  });
});
