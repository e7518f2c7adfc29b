import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/index.js';

/**
 * Whatever a program hands to log.*() — any value as message or fields, including the hostile
 * ones — the call never throws and every entry reaches the wire as one valid line.
 */

/** Values JSON chokes on or mangles, on top of fast-check's `anything`. */
const hostile = fc.oneof(
  fc.constant(undefined),
  fc.constant(NaN),
  fc.constant(-Infinity),
  fc.bigInt(),
  fc.string().map((s) => Symbol(s)),
  fc.constant(() => 1),
  fc.constant(new Date(NaN)),
  fc.date(),
  fc.string({ unit: 'binary' }), // includes lone surrogates
  fc.string().map((s) => new Error(s, { cause: new TypeError(`cause of ${s}`) })),
  fc.constant(new AggregateError([new Error('a')], 'agg')),
  fc.constant(
    new Proxy({}, {
      get() {
        throw new Error('trap');
      },
      ownKeys() {
        throw new Error('trap');
      },
    }),
  ),
  fc.constant({
    get boom() {
      throw new Error('getter');
    },
  }),
  fc.constant(new Float64Array([1.5, NaN])),
  fc.constant(new BigInt64Array([1n])),
  fc.constant(Promise.resolve(1)),
  fc.constant(new WeakMap()),
  fc.constant(Object.create(null) as object),
  fc.dictionary(fc.string(), fc.string()).map((d) => {
    const o: Record<string, unknown> = { ...d };
    o.self = o;
    return o;
  }),
);

const anyValue = fc.oneof(
  fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withTypedArray: true,
    withSparseArray: true,
    withUnicodeString: true,
  }),
  hostile,
  fc.dictionary(fc.string(), hostile),
);

type Push = { streams: { values: [string, string][] }[] };

/** `\udXXX` after an even run of backslashes: a real escape of a lone surrogate (JSON.stringify writes pairs raw). */
const LONE_SURROGATE_ESCAPE = /(^|[^\\])(\\\\)*\\ud[89a-f][0-9a-f]{2}/i;

function captureLogger(format: 'json' | 'logfmt') {
  const lines: string[] = [];
  const badBodies: string[] = [];
  const log = createLogger({
    url: 'http://127.0.0.1:9/loki/api/v1/push',
    compression: 'none',
    format,
    level: 'trace',
    maxQueueEntries: 100_000,
    fetch: (async (input: RequestInfo | URL, init?: RequestInit) => {
      const body = await new Request(input, init).text();
      // A lone-surrogate escape anywhere in the body fails the whole push (loki-vectors "lone surrogate escape in line").
      if (LONE_SURROGATE_ESCAPE.test(body)) badBodies.push(body);
      for (const s of (JSON.parse(body) as Push).streams) for (const v of s.values) lines.push(v[1]);
      return new Response(null, { status: 204 });
    }) as typeof fetch,
  });
  return { log, lines, badBodies };
}

describe('log.*() with any value', () => {
  for (const format of ['json', 'logfmt'] as const) {
    it(`never throws and always yields one valid ${format} line per call`, async () => {
      const { log, lines, badBodies } = captureLogger(format);
      let calls = 0;
      fc.assert(
        fc.property(anyValue, anyValue, fc.constantFrom('trace', 'debug', 'info', 'warn', 'error', 'fatal'), (message, fields, level) => {
          expect(() => (log[level] as (m: unknown, f?: unknown) => void)(message, fields)).not.toThrow();
          expect(() => log.child(fields as Record<string, unknown>).info(message)).not.toThrow();
          calls += 2;
        }),
        { numRuns: 400 },
      );
      await expect(log.flush()).resolves.toBe(true);
      const stats = log.stats();
      expect(stats.dropped.total).toBe(0);
      expect(stats.sent).toBe(calls);
      expect(lines).toHaveLength(calls);
      expect(badBodies).toEqual([]);
      for (const line of lines) {
        // The line itself holds no lone surrogate, raw or escaped: Grafana and Loki's parsers get clean text.
        expect((line as string & { isWellFormed(): boolean }).isWellFormed()).toBe(true);
        expect(line).not.toMatch(LONE_SURROGATE_ESCAPE);
        if (format === 'json') {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          expect(typeof parsed.msg).toBe('string');
          expect(typeof parsed.level).toBe('string');
        } else {
          expect(line).toMatch(/^level=(trace|debug|info|warn|error|fatal) msg=/);
          expect(line).not.toContain('\n');
        }
      }
      await log.close();
    });
  }
});
