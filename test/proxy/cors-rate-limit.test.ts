/** CORS (preflights and the server-side origin check) and per-client rate limiting, over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JSON_HEADERS, metric, postPush, pushBody, send, startStack, type Stack } from './stack.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

describe('CORS', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ proxy: { corsOrigins: [APP], rateLimitPerSecond: 0 } });
  });
  afterAll(() => stack.close());

  const preflight = (origin: string, extra: Record<string, string> = {}) =>
    send(stack.url, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,content-encoding,x-cloudlog-batch-id', ...extra },
    });

  it('answers an allowed origin’s preflight with the SDK’s headers allowed and Retry-After exposed', async () => {
    const answer = await preflight(APP, { 'access-control-request-private-network': 'true' });
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'Content-Type, Content-Encoding, X-Cloudlog-Batch-Id',
      'access-control-expose-headers': 'Date, Retry-After',
      'access-control-max-age': '600',
      'access-control-allow-private-network': 'true',
      vary: 'Origin',
    });
  });

  it('refuses other origins’ preflights, without CORS headers', async () => {
    const answer = await preflight(EVIL);
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(answer.text).toBe(`cloudlog-proxy: origin ${EVIL} may not post here; add it to the proxy's CORS origins (corsOrigins, --cors-origins)\n`);
  });

  it('refuses a text/plain POST from another origin on the server (it needs no preflight)', async () => {
    const answer = await send(stack.url, { headers: { origin: EVIL, 'content-type': 'text/plain' }, body: pushBody({ service_name: 'web' }, ['forged']) });
    expect(answer.status).toBe(403);
    expect(answer.headers['access-control-allow-origin']).toBeUndefined();
    expect(stack.receiver.requests).toHaveLength(0);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_requests_rejected_total{reason="origin_not_allowed"}')).toBe(1);
  });

  it('stores an allowed origin’s push and lets the page read the answer', async () => {
    const answer = await postPush(stack.url, pushBody({ service_name: 'web' }, ['from the app']), { origin: APP });
    expect(answer.status).toBe(204);
    expect(answer.headers).toMatchObject({ 'access-control-allow-origin': APP, 'access-control-expose-headers': 'Date, Retry-After', vary: 'Origin' });
  });

  it('same-origin pages need no allowlisting; clients without Origin (Node, curl) neither', async () => {
    const host = new URL(stack.url).host;
    expect((await postPush(stack.url, pushBody({ service_name: 'web' }, ['same origin']), { origin: `http://${host}` })).status).toBe(204);
    expect((await postPush(stack.url, pushBody({ service_name: 'web' }, ['no origin']))).status).toBe(204);
  });

  it('with no origins configured there is no cross-origin access', async () => {
    const closed = await startStack({ proxy: { rateLimitPerSecond: 0 } });
    try {
      expect((await send(closed.url, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST' } })).status).toBe(403);
      expect((await postPush(closed.url, pushBody({ service_name: 'web' }, ['x']), { origin: APP })).status).toBe(403);
    } finally {
      await closed.close();
    }
  });
});

describe('rate limiting', () => {
  let stack: Stack;
  // A stopped clock: tokens never come back during the test, so the outcome does not depend on timing.
  const frozen = Date.now();
  beforeAll(async () => {
    stack = await startStack({ proxy: { rateLimitPerSecond: 2, rateLimitBurst: 3, corsOrigins: [APP], now: () => frozen, clientAddressHeader: 'x-forwarded-for', maxEntryAgeMs: 3600_000 } });
  });
  afterAll(() => stack.close());

  const from = (client: string) => postPush(stack.url, pushBody({ service_name: 'web' }, [`from ${client}`]), { 'x-forwarded-for': `10.0.0.1, ${client}`, origin: APP });

  it('allows a burst per client, then answers 429 with Retry-After and CORS headers (the SDK reads it)', async () => {
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await from('203.0.113.1')).status);
    expect(statuses).toEqual([204, 204, 204, 429]);
    const limited = await from('203.0.113.1');
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.headers['access-control-allow-origin']).toBe(APP);
    expect(limited.text).toContain('too many requests from this client: at most 2 per second, bursts of 3');
    // Another client is not affected.
    expect((await from('203.0.113.2')).status).toBe(204);
    expect(metric(stack.handler.metrics(), 'cloudlog_proxy_rate_limited_total')).toBe(2);
    expect(stack.receiver.entries()).toHaveLength(4);
  });

  it('without clientAddressHeader, a forged X-Forwarded-For does not buy a new bucket', async () => {
    const direct = await startStack({ proxy: { rateLimitPerSecond: 1, rateLimitBurst: 2, now: () => frozen, maxEntryAgeMs: 3600_000 } });
    try {
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send(direct.url, { headers: { ...JSON_HEADERS, 'x-forwarded-for': `198.51.100.${i}` }, body: pushBody({ service_name: 'web' }, ['x']) })).status);
      expect(statuses).toEqual([204, 204, 429]);
    } finally {
      await direct.close();
    }
  });
});
