/**
 * Proves the Loki test receiver agrees with recorded ground truth: every push of
 * /work/shared/loki-vectors/push-loki-2.8.json is replayed against a flavor '2.8'
 * receiver, then the Loki 3 behaviours (flavor '3') are checked one by one.
 */
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLokiReceiver } from './loki-receiver';
import type { LokiReceiver, StoredEntry } from './loki-receiver';

// ───────────────────────────── helpers ─────────────────────────────

interface HttpResult {
  status: number;
  body: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A raw HTTP request: exact control over headers (fetch would add a content-type to string bodies). */
function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'POST', headers: opts.headers ?? {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

function push(receiver: LokiReceiver, body: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
  return send(receiver.url, {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

// ───────────────────────────── the vectors ─────────────────────────────

interface VectorAnswer {
  request: { headers: Record<string, string>; body?: string; gzipOfBody?: string };
  response: { status: number; body: string };
}
interface VectorStored {
  ts: string;
  line: string;
  stream: Record<string, string>;
}
interface VectorCase {
  name: string;
  note: string;
  answers: VectorAnswer[];
  storedAfter?: VectorStored[];
}
interface VectorFile {
  loki: string;
  recordedAt: string;
  howToRead: string;
  cases: VectorCase[];
}

const VECTORS_PATH = '/work/shared/loki-vectors/push-loki-2.8.json';
const vectors = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as VectorFile;
const recordedAt = Date.parse(vectors.recordedAt);

/** The vector file elides long strings as `<prefix>…(<total length> chars)`. */
const ELIDED = /^([\s\S]*)…\((\d+) chars\)$/;

/**
 * Request bodies that were elided in the vector file: the prefix ends inside a run of
 * one repeated character; the tail after the run is restored here, and the run length
 * follows from the recorded total length.
 */
const ELIDED_BODY_TAILS: Record<string, string> = {
  'label value 2049 chars': '"},"values":[["1795510976321000000","x"]]}]}',
  'label value 2048 chars': '"},"values":[["1795510976321000000","x"]]}]}',
  '1 MiB line': '"]]}]}',
};

function requestBody(c: VectorCase, a: VectorAnswer): string {
  const raw = a.request.body ?? a.request.gzipOfBody;
  if (raw === undefined) throw new Error(`${c.name}: request has no body`);
  const m = ELIDED.exec(raw);
  if (m === null) return raw;
  const prefix = m[1] ?? '';
  const total = Number(m[2]);
  const tail = ELIDED_BODY_TAILS[c.name];
  if (tail === undefined) throw new Error(`${c.name}: elided request body without a known tail`);
  const fill = prefix.at(-1) ?? '';
  const body = prefix + fill.repeat(total - prefix.length - tail.length) + tail;
  expect(body).toHaveLength(total);
  JSON.parse(body); // the reconstruction is well-formed JSON
  return body;
}

/** `actual` equals `expected`, or `expected` is an elision of `actual`. */
function sameOrElided(actual: string, expected: string): boolean {
  const m = ELIDED.exec(expected);
  if (m === null) return actual === expected;
  return actual.length === Number(m[2]) && actual.startsWith(m[1] ?? '');
}

/** Replace actual values by their vector spelling where the vector elided them, so toEqual diffs stay readable. */
function asRecorded(actual: StoredEntry[], expected: VectorStored[]): VectorStored[] {
  return actual.map((e, i) => {
    const exp = expected[i];
    const line = exp !== undefined && sameOrElided(e.line, exp.line) ? exp.line : e.line;
    const stream = Object.fromEntries(
      Object.entries(e.stream).map(([k, v]) => {
        const ev = exp?.stream[k];
        return [k, ev !== undefined && sameOrElided(v, ev) ? ev : v];
      }),
    );
    expect(e.metadata, 'Loki 2.8 has no structured metadata').toBeUndefined();
    return { ts: e.ts, line, stream };
  });
}

const HOUR_MS = 3_600_000;

describe(`vector replay: ${vectors.loki}`, () => {
  let receiver: LokiReceiver;
  // The recording took ~50 s; "too old" messages print the oldest acceptable time
  // (= Loki's clock - 168h), so pin the clock per request from it to compare messages
  // exactly. Otherwise 5 s after recordedAt, where all the ±minute windows hold.
  let nowMs = recordedAt + 5_000;

  beforeAll(async () => {
    // One receiver for the whole file, like the single Loki the vectors were recorded on.
    receiver = await startLokiReceiver({ flavor: '2.8', now: () => nowMs });
  });
  afterAll(async () => {
    await receiver.close();
  });

  it('has the 42 recorded cases', () => {
    expect(vectors.cases).toHaveLength(42);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const storedBefore = receiver.entries().length;

    for (const [i, a] of c.answers.entries()) {
      const body = requestBody(c, a);
      const expected = a.response;
      const tooOld = /has timestamp too old: .*, oldest acceptable timestamp is: (\S+)$/.exec(expected.body);
      nowMs = tooOld?.[1] !== undefined ? Date.parse(tooOld[1]) + 168 * HOUR_MS : recordedAt + 5_000;

      const res = await send(receiver.url, {
        headers: a.request.headers,
        body: a.request.gzipOfBody !== undefined ? gzipSync(body) : body,
      });
      const where = `${c.name}, request ${i + 1}`;
      expect(res.status, `${where}: status (body: ${res.body.slice(0, 300)})`).toBe(expected.status);

      if (expected.body.startsWith('loghttp.PushRequest')) {
        // jsoniter's wording depends on its parser state; match the decoder prefix only.
        expect(res.body, where).toMatch(/^loghttp\.PushRequest\.Streams: \[\]\*loghttp\.Stream: /);
      } else if (expected.body.length >= 400) {
        // The recorder cut response bodies at 400 characters.
        expect(res.body.startsWith(expected.body), `${where}: ${res.body.slice(0, 120)}…`).toBe(true);
      } else {
        expect(res.body, where).toBe(expected.body);
      }
      expect(receiver.requests.at(-1)?.status).toBe(expected.status);
    }

    if (c.storedAfter === undefined) {
      // Not queried when recorded: every such case pushes one entry that Loki refused
      // (or no entry at all), so nothing may have been added to the store.
      expect(receiver.entries().length, `${c.name}: nothing stored`).toBe(storedBefore);
      return;
    }
    const caseLabel = /"case":"([^"]+)"/.exec(requestBody(c, c.answers[0] as VectorAnswer))?.[1];
    expect(caseLabel, `${c.name}: queried cases carry a case label`).toBeDefined();
    const stored = receiver.entries({ case: caseLabel ?? '' });
    expect(asRecorded(stored, c.storedAfter), `${c.name}: stored`).toEqual(c.storedAfter);
  });
});

// ───────────────────────────── flavor '3' ─────────────────────────────

const nowNs = (): bigint => BigInt(Date.now()) * 1_000_000n;
const ts = (offsetMs = 0): string => (nowNs() + BigInt(offsetMs) * 1_000_000n).toString();
const labels = (n: number, extra: Record<string, string> = {}): Record<string, string> => ({
  ...Object.fromEntries(Array.from({ length: n - Object.keys(extra).length }, (_, i) => [`l${i}`, 'x'])),
  ...extra,
});

describe("flavor '3' (modern Loki)", () => {
  let receiver: LokiReceiver;
  beforeEach(async () => {
    receiver = await startLokiReceiver(); // flavor '3' is the default
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('accepts 15 labels and refuses 16 (max_label_names_per_series)', async () => {
    const ok = await push(receiver, { streams: [{ stream: labels(15, { case: 'l15' }), values: [[ts(), 'ok']] }] });
    expect(ok.status).toBe(204);
    const bad = await push(receiver, { streams: [{ stream: labels(16, { case: 'l16' }), values: [[ts(), 'no']] }] });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('has 16 label names; limit 15');
    expect(receiver.entries({ case: 'l15' })).toHaveLength(1);
    expect(receiver.entries({ case: 'l16' })).toHaveLength(0);
  });

  it('does not count service_name against the label limit', async () => {
    const res = await push(receiver, {
      streams: [{ stream: labels(16, { case: 'svc', service_name: 'api' }), values: [[ts(), 'ok']] }],
    });
    expect(res.status).toBe(204);
  });

  it('refuses a line over 256 KB with a partial 400: the other entry is stored', async () => {
    const t = nowNs();
    const res = await push(receiver, {
      streams: [
        {
          stream: { case: 'long' },
          values: [
            [t.toString(), 'L'.repeat(262_145)],
            [(t + 1n).toString(), 'small'],
            [(t + 2n).toString(), 'M'.repeat(262_144)],
          ],
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      `Max entry size '262144' bytes exceeded for stream '{case="long"}' while adding an entry with length '262145' bytes`,
    );
    const stored = receiver.entries({ case: 'long' });
    expect(stored.map((e) => e.line.length)).toEqual([5, 262_144]);
  });

  it('measures the line size in UTF-8 bytes', async () => {
    const res = await push(receiver, { streams: [{ stream: { case: 'utf8' }, values: [[ts(), 'é'.repeat(131_073)]] }] });
    expect(res.status).toBe(400);
    expect(res.body).toContain("with length '262146' bytes");
  });

  it('answers 422 to an empty streams array', async () => {
    const res = await push(receiver, { streams: [] });
    expect(res.status).toBe(422);
    expect(res.body).toContain('at least one valid stream is required');
  });

  it('answers 413 to a body over the default 5 MiB', async () => {
    const line = 'x'.repeat(5 * 1024 * 1024);
    const res = await push(receiver, { streams: [{ stream: { case: 'big' }, values: [[ts(), line]] }] });
    expect(res.status).toBe(413);
    expect(res.body).toMatch(/^request body too large: \d+ bytes, limit: 5242880 bytes$/);
    expect(receiver.entries()).toEqual([]);
    expect(receiver.requests[0]?.rawBytes).toBeGreaterThan(5 * 1024 * 1024);
  });

  it('applies maxBodyBytes to the decompressed body too', async () => {
    const small = await startLokiReceiver({ maxBodyBytes: 10_000 });
    try {
      const body = JSON.stringify({ streams: [{ stream: { case: 'zip' }, values: [[ts(), 'z'.repeat(20_000)]] }] });
      const zipped = gzipSync(body);
      expect(zipped.length).toBeLessThan(10_000);
      const res = await send(small.url, {
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: zipped,
      });
      expect(res.status).toBe(413);
      expect(small.requests[0]).toMatchObject({ rawBytes: zipped.length, decodedBytes: body.length, status: 413 });
    } finally {
      await small.close();
    }
  });

  it('stores structured metadata (third value element)', async () => {
    const t = ts();
    const res = await push(receiver, {
      streams: [
        {
          stream: { case: 'meta' },
          values: [
            [t, 'with meta', { trace_id: 'abc', user: 'u1' }],
            [t, 'without meta'],
          ],
        },
      ],
    });
    expect(res.status).toBe(204);
    expect(receiver.entries({ case: 'meta' })).toEqual([
      { ts: t, line: 'with meta', stream: { case: 'meta' }, metadata: { trace_id: 'abc', user: 'u1' } },
      { ts: t, line: 'without meta', stream: { case: 'meta' } },
    ]);
  });

  it('refuses non-string structured metadata and a fourth value element (whole request)', async () => {
    const a = await push(receiver, { streams: [{ stream: { case: 'm2' }, values: [[ts(), 'x', { n: 1 }]] }] });
    expect(a.status).toBe(400);
    const b = await push(receiver, { streams: [{ stream: { case: 'm2' }, values: [[ts(), 'x', {}, {}]] }] });
    expect(b.status).toBe(400);
    expect(receiver.entries()).toEqual([]);
  });

  it('accepts a gzip body and records wire vs decoded sizes', async () => {
    const body = JSON.stringify({ streams: [{ stream: { case: 'gz' }, values: [[ts(), 'zipped '.repeat(100)]] }] });
    const zipped = gzipSync(body);
    const res = await send(receiver.url, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: zipped,
    });
    expect(res.status).toBe(204);
    expect(receiver.entries({ case: 'gz' })).toHaveLength(1);
    expect(receiver.requests[0]).toMatchObject({ rawBytes: zipped.length, decodedBytes: Buffer.byteLength(body) });
    expect(receiver.requests[0]?.headers['content-encoding']).toBe('gzip');
  });

  it('refuses unsupported encodings and a missing content-type', async () => {
    const body = JSON.stringify({ streams: [{ stream: { case: 'enc' }, values: [[ts(), 'x']] }] });
    const br = await send(receiver.url, {
      headers: { 'content-type': 'application/json', 'content-encoding': 'br' },
      body,
    });
    expect(br).toMatchObject({ status: 400, body: 'Content-Encoding "br" not supported' });
    const noType = await send(receiver.url, { body });
    expect(noType).toMatchObject({ status: 400, body: 'mime: no media type' });
    const text = await send(receiver.url, { headers: { 'content-type': 'text/plain' }, body });
    expect(text).toMatchObject({ status: 400, body: 'snappy: corrupt input' });
  });

  it('prefixes label syntax errors with "couldn\'t parse labels"', async () => {
    const res = await push(receiver, { streams: [{ stream: { case: 'x', 'service.name': 'a' }, values: [[ts(), 'x']] }] });
    expect(res).toMatchObject({
      status: 400,
      body: "couldn't parse labels: 1:19: parse error: unexpected character inside braces: '.'",
    });
  });

  it('words "entry too far behind" the Loki 3 way', async () => {
    const t = nowNs();
    const res = await push(receiver, {
      streams: [
        {
          stream: { case: 'behind' },
          values: [
            [t.toString(), 'new'],
            [(t - 2n * 3_600_000_000_000n).toString(), 'old'],
          ],
        },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(
      /^entry with timestamp .* ignored, reason: 'entry too far behind, entry timestamp is: .*, oldest acceptable timestamp is: .*',\nuser 'fake', total ignored: 1 out of 2 for stream: \{case="behind"\}$/,
    );
    expect(receiver.entries({ case: 'behind' }).map((e) => e.line)).toEqual(['new']);
  });

  it('waitForEntries resolves once enough matching entries arrive', async () => {
    const waiting = receiver.waitForEntries(2, { match: { case: 'wait' } });
    setTimeout(() => {
      void push(receiver, { streams: [{ stream: { case: 'other' }, values: [[ts(), 'noise']] }] }).then(() =>
        push(receiver, {
          streams: [
            {
              stream: { case: 'wait', app: 'a' },
              values: [
                [ts(), 'one'],
                [ts(1), 'two'],
              ],
            },
          ],
        }),
      );
    }, 20);
    const got = await waiting;
    expect(got.map((e) => e.line)).toEqual(['one', 'two']);
    expect(got.every((e) => e.stream['case'] === 'wait')).toBe(true);
    // already satisfied: resolves immediately
    await expect(receiver.waitForEntries(1, { match: { app: 'a' } })).resolves.toHaveLength(2);
  });

  it('waitForEntries rejects with how many arrived', async () => {
    await push(receiver, { streams: [{ stream: { case: 'few' }, values: [[ts(), 'only one']] }] });
    await expect(receiver.waitForEntries(3, { match: { case: 'few' }, timeoutMs: 50 })).rejects.toThrow(
      /only 1 arrived/,
    );
  });
});

// ───────────────────────────── both flavors: plumbing ─────────────────────────────

describe('receiver plumbing', () => {
  let receiver: LokiReceiver;
  beforeEach(async () => {
    receiver = await startLokiReceiver({ flavor: '2.8' });
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('exposes url and origin on 127.0.0.1', () => {
    expect(receiver.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(receiver.url).toBe(`${receiver.origin}/loki/api/v1/push`);
  });

  it('answers GET /ready and CORS preflights, and adds CORS headers everywhere', async () => {
    const ready = await send(`${receiver.origin}/ready`, { method: 'GET' });
    expect(ready).toMatchObject({ status: 200, body: 'ready' });
    expect(ready.headers['access-control-allow-origin']).toBe('*');

    const pre = await send(receiver.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(pre.headers['access-control-allow-headers']).toContain('*');
    expect(pre.headers['access-control-allow-headers']).toContain('authorization');
    expect(pre.headers['access-control-allow-methods']).toContain('POST');

    const bad = await push(receiver, 'not json');
    expect(bad.status).toBe(400);
    expect(bad.headers['access-control-allow-origin']).toBe('*');
    expect(bad.headers['access-control-allow-headers']).toBe('*');
    expect(receiver.requests).toHaveLength(1); // preflight and /ready are not recorded
  });

  it('lets intercept answer instead of processing (nothing stored)', async () => {
    let calls = 0;
    const faulty = await startLokiReceiver({
      intercept: ({ body }) => {
        calls++;
        expect(body.toString()).toContain('"case":"fault"');
        return calls === 1 ? { status: 429, body: 'slow down', headers: { 'Retry-After': '1' } } : undefined;
      },
    });
    try {
      const body = { streams: [{ stream: { case: 'fault' }, values: [[ts(), 'x']] }] };
      const first = await push(faulty, body);
      expect(first).toMatchObject({ status: 429, body: 'slow down' });
      expect(first.headers['retry-after']).toBe('1');
      expect(first.headers['access-control-allow-origin']).toBe('*');
      expect(faulty.entries()).toEqual([]);
      const second = await push(faulty, body);
      expect(second.status).toBe(204);
      expect(faulty.entries()).toHaveLength(1);
      expect(faulty.requests.map((r) => r.status)).toEqual([429, 204]);
    } finally {
      await faulty.close();
    }
  });

  it('accepts an async intercept', async () => {
    const slow = await startLokiReceiver({
      intercept: async () => {
        await new Promise((r) => setTimeout(r, 5));
        return { status: 503 };
      },
    });
    try {
      expect((await push(slow, { streams: [] })).status).toBe(503);
      expect(slow.requests[0]).toMatchObject({ status: 503, responseBody: '' });
    } finally {
      await slow.close();
    }
  });

  it('rejects only *lone* surrogate escapes', async () => {
    const t = ts();
    // an escaped backslash followed by the text "ud800" is fine, so is a valid pair
    const ok = await push(
      receiver,
      `{"streams":[{"stream":{"case":"sur"},"values":[["${t}","a \\\\ud800 b"],["${t}","\\ud83d\\ude00"]]}]}`,
    );
    expect(ok.status).toBe(204);
    expect(receiver.entries({ case: 'sur' }).map((e) => e.line)).toEqual(['a \\ud800 b', '😀']);
    for (const bad of ['\\udc00', '\\ud800\\u0041', 'x\\\\\\ud800']) {
      const res = await push(receiver, `{"streams":[{"stream":{"case":"sur2"},"values":[["${t}","${bad}"]]}]}`);
      expect(res.status, bad).toBe(400);
    }
    expect(receiver.entries({ case: 'sur2' })).toEqual([]);
  });

  it('a bad label name fails the whole push, other streams included', async () => {
    const res = await push(receiver, {
      streams: [
        { stream: { case: 'good' }, values: [[ts(), 'x']] },
        { stream: { case: 'bad', 'a-b': '1' }, values: [[ts(), 'y']] },
      ],
    });
    expect(res).toMatchObject({ status: 400, body: "1:3: parse error: unexpected character inside braces: '-'" });
    expect(receiver.entries()).toEqual([]);
  });

  it('a per-stream label error is partial: other streams are stored', async () => {
    const res = await push(receiver, {
      streams: [
        { stream: { case: 'kept' }, values: [[ts(), 'x']] },
        { stream: { a: '' }, values: [[ts(), 'y']] },
      ],
    });
    expect(res).toMatchObject({ status: 400, body: 'error at least one label pair is required per stream' });
    expect(receiver.entries().map((e) => e.stream)).toEqual([{ case: 'kept' }]);
  });

  it('drops empty label values from the stored stream', async () => {
    await push(receiver, { streams: [{ stream: { case: 'ev', empty: '' }, values: [[ts(), 'x']] }] });
    expect(receiver.entries({ case: 'ev' })[0]?.stream).toEqual({ case: 'ev' });
  });

  it('compares timestamps as BigInt and prints them canonically', async () => {
    const base = nowNs();
    await push(receiver, {
      streams: [
        {
          stream: { case: 'big' },
          values: [
            [(base + 3n).toString(), 'c'],
            [`000${(base + 1n).toString()}`, 'a'],
            [(base + 2n).toString(), 'b'],
          ],
        },
      ],
    });
    expect(receiver.entries({ case: 'big' }).map((e) => [e.ts, e.line])).toEqual([
      [(base + 1n).toString(), 'a'],
      [(base + 2n).toString(), 'b'],
      [(base + 3n).toString(), 'c'],
    ]);
  });

  it('merges duplicates across pushes and reset() forgets everything', async () => {
    const t = ts();
    const body = { streams: [{ stream: { case: 'dup', z: '1', a: '2' }, values: [[t, 'same']] }] };
    const reordered = { streams: [{ stream: { a: '2', case: 'dup', z: '1' }, values: [[t, 'same']] }] };
    await push(receiver, body);
    await push(receiver, reordered);
    expect(receiver.entries()).toHaveLength(1);
    const requests = receiver.requests;
    receiver.reset();
    expect(receiver.entries()).toEqual([]);
    expect(requests).toHaveLength(0); // cleared in place
  });

  it('uses the injected clock for the timestamp window', async () => {
    const past = await startLokiReceiver({ flavor: '2.8', now: () => Date.parse('2020-01-01T00:00:00Z') });
    try {
      const res = await push(past, { streams: [{ stream: { case: 'clock' }, values: [[ts(), 'x']] }] });
      expect(res.status).toBe(400);
      expect(res.body).toContain('has timestamp too new');
      const ok = await push(past, { streams: [{ stream: { case: 'clock' }, values: [['1577836800000000000', 'x']] }] });
      expect(ok.status).toBe(204);
    } finally {
      await past.close();
    }
  });
});
