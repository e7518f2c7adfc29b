import { describe, expect, it } from 'vitest';
import { validatePush, type PushPolicy } from '../../src/proxy/validate-push.js';

const NOW_MS = Date.parse('2026-11-25T12:00:00Z');
const ns = (ms: number, sub = 0) => `${ms}${String(sub).padStart(6, '0')}`;
const NOW = ns(NOW_MS);

const policy = (overrides: Partial<PushPolicy> = {}): PushPolicy => ({
  maxStreams: 100,
  maxEntries: 10_000,
  maxLabels: 15,
  maxLabelNameLength: 1024,
  maxLabelValueLength: 2048,
  maxLineBytes: 262_144,
  allowedLabels: undefined,
  forcedLabels: {},
  maxEntryAgeMs: 167 * 3600_000,
  maxFutureMs: 5 * 60_000,
  futureTimestamps: 'clamp',
  ...overrides,
});

const body = (streams: unknown) => JSON.stringify({ streams });
const stream = (labels: Record<string, unknown>, values: unknown[]) => ({ stream: labels, values });

function valid(text: string, p = policy()) {
  const result = validatePush(text, p, NOW_MS);
  if (!result.ok) throw new Error(`expected a valid push, got ${result.refusal.status}: ${result.refusal.message}`);
  return result;
}

function refused(text: string, p = policy()) {
  const result = validatePush(text, p, NOW_MS);
  if (result.ok) throw new Error('expected a refusal');
  return result.refusal;
}

describe('validatePush: the whole request', () => {
  it('passes a Loki push through unchanged', () => {
    const result = valid(body([stream({ service_name: 'web' }, [[NOW, 'a'], [ns(NOW_MS, 1), 'b']])]));
    expect(result.push).toEqual({ streams: [{ labels: { service_name: 'web' }, values: [[NOW, 'a'], [ns(NOW_MS, 1), 'b']] }], entries: 2 });
    expect(result.received).toBe(2);
    expect(result.rejections.reported).toBe(0);
  });

  it('refuses what is not JSON, naming the parser error', () => {
    expect(refused('{"streams": [')).toMatchObject({ status: 400, reason: 'invalid_json', message: expect.stringMatching(/^the body is not JSON \(.+\); send a Loki push like/) });
  });

  it.each([
    ['[]', 'the body must be a JSON object'],
    ['{"streams":{}}', '"streams" must be an array'],
    ['{"streams":[1]}', 'streams[0] must be an object'],
    ['{"streams":[{"stream":{"a":"b"},"values":"x"}]}', 'streams[0].values must be an array'],
    ['{"streams":[{"stream":"a","values":[["1","x"]]}]}', 'streams[0].stream must be an object'],
    ['{"streams":[{"stream":{"a":1},"values":[["1","x"]]}]}', 'streams[0].stream label "a" must be a string, not number'],
    [`{"streams":[{"stream":{"a":"b"},"values":[[${NOW},"x"]]}]}`, 'the timestamp must be a string of nanoseconds'],
    ['{"streams":[{"stream":{"a":"b"},"values":[["1.7e18","x"]]}]}', 'the timestamp "1.7e18" is not a whole number of nanoseconds'],
    ['{"streams":[{"stream":{"a":"b"},"values":[["99999999999999999999","x"]]}]}', 'is not a whole number of nanoseconds'],
    [`{"streams":[{"stream":{"a":"b"},"values":[["${NOW}",7]]}]}`, 'the line must be a string, not number'],
    [`{"streams":[{"stream":{"a":"b"},"values":[["${NOW}"]]}]}`, 'streams[0].values[0] must be ["<ns timestamp>", "<line>"]'],
    [`{"streams":[{"stream":{"a":"b"},"values":[["${NOW}","x",{"k":1}]]}]}`, 'structured metadata must be an object of strings'],
  ])('refuses a malformed push as a whole: %s', (text, message) => {
    const refusal = refused(text);
    expect(refusal.status).toBe(400);
    expect(refusal.reason).toBe('invalid_push');
    expect(refusal.message).toContain(message);
  });

  it('a shape error in any stream fails the whole push, as in Loki', () => {
    const text = body([stream({ a: 'ok' }, [[NOW, 'fine']]), stream({ 'bad-name': 'x' }, [[NOW, 5]])]);
    expect(refused(text).reason).toBe('invalid_push');
  });

  it('answers 413 for too many streams or entries, so the SDK splits the batch', () => {
    const streams = Array.from({ length: 3 }, (_, i) => stream({ a: String(i) }, [[NOW, 'x']]));
    expect(refused(body(streams), policy({ maxStreams: 2 }))).toMatchObject({ status: 413, reason: 'too_many_streams', message: '3 streams in one push; at most 2: split it' });
    const values = Array.from({ length: 6 }, (_, i) => [ns(NOW_MS, i), 'x']);
    expect(refused(body([stream({ a: 'b' }, values)]), policy({ maxEntries: 5 }))).toMatchObject({ status: 413, reason: 'too_many_entries', message: '6 entries in one push; at most 5: split it' });
  });

  it('treats a push without streams as empty, and skips streams without entries', () => {
    expect(valid('{}').push.entries).toBe(0);
    expect(valid('{"streams":null}').push.entries).toBe(0);
    // A stream without entries is skipped before its labels are looked at (Loki does the same).
    expect(valid(body([stream({ 'bad-name': 'x' }, [])])).rejections.reported).toBe(0);
  });

  it('ignores unknown fields, like Loki', () => {
    expect(valid(JSON.stringify({ extra: 1, streams: [{ stream: { a: 'b' }, values: [[NOW, 'x']], more: true }] })).push.entries).toBe(1);
  });
});

describe('validatePush: labels', () => {
  it.each([
    [{ 'service-name': 'web' }, 'label_invalid', 'label name "service-name" is not valid: Loki label names match [a-zA-Z_][a-zA-Z0-9_]*'],
    [{ '1abc': 'web' }, 'label_invalid', 'label name "1abc" is not valid'],
    [{ ['a'.repeat(30)]: 'x' }, 'label_name_too_long', `label name "${'a'.repeat(30)}" is 30 bytes; at most 20`],
    [{ a: 'é'.repeat(11) }, 'label_value_too_long', 'label "a" has a value of 22 bytes; at most 20'],
    [{ a: '' }, 'no_labels', 'no labels: Loki needs at least one non-empty label per stream'],
    [Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`l${i}`, 'v'])), 'too_many_labels', '4 labels; at most 3'],
  ])('refuses the stream of %j and says why', (labels, reason, message) => {
    const p = policy({ maxLabelNameLength: 20, maxLabelValueLength: 20, maxLabels: 3 });
    const result = valid(body([stream(labels, [[NOW, 'x'], [ns(NOW_MS, 1), 'y']]), stream({ ok: 'yes' }, [[NOW, 'kept']])]), p);
    expect(result.push.streams).toEqual([{ labels: { ok: 'yes' }, values: [[NOW, 'kept']] }]);
    expect(result.rejections.byReason.get(reason as never)).toBe(2);
    const text = result.rejections.describe(result.received);
    expect(text).toContain(message);
    expect(text).toContain('(2 entries refused)');
    expect(text).toMatch(/total ignored: 2 out of 3$/);
  });

  it('drops empty label values (and null), as Loki does', () => {
    expect(valid(body([stream({ a: 'b', empty: '', nothing: null }, [[NOW, 'x']])])).push.streams[0]!.labels).toEqual({ a: 'b' });
  });

  it('refuses labels outside the allowlist, naming it; forced labels are always allowed', () => {
    const p = policy({ allowedLabels: new Set(['service_name', 'env']), forcedLabels: { source: 'browser' } });
    const result = valid(body([stream({ service_name: 'web', user_id: '42' }, [[NOW, 'x']]), stream({ service_name: 'web', source: 'spoofed' }, [[NOW, 'y']])]), p);
    expect(result.rejections.describe(result.received)).toContain('label "user_id" is not allowed (allowed: service_name, env)');
    // The client's `source` is overridden, not refused.
    expect(result.push.streams).toEqual([{ labels: { service_name: 'web', source: 'browser' }, values: [[NOW, 'y']] }]);
  });

  it('sets forced labels on every stream, and counts them against maxLabels', () => {
    const p = policy({ forcedLabels: { source: 'browser' }, maxLabels: 2 });
    expect(valid(body([stream({ a: '1' }, [[NOW, 'x']])]), p).push.streams[0]!.labels).toEqual({ a: '1', source: 'browser' });
    expect(valid(body([stream({ a: '1', b: '2' }, [[NOW, 'x']])]), p).rejections.byReason.get('too_many_labels')).toBe(1);
  });

  it('gives a stream of only empty labels the forced labels instead of refusing it', () => {
    expect(valid(body([stream({}, [[NOW, 'x']])]), policy({ forcedLabels: { source: 'browser' } })).push.streams[0]!.labels).toEqual({ source: 'browser' });
  });

  it('keeps a label named __proto__ as a label', () => {
    const labels = valid('{"streams":[{"stream":{"__proto__":"x","a":"b"},"values":[["' + NOW + '","y"]]}]}').push.streams[0]!.labels;
    expect(Object.keys(labels)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(labels)).toBe('{"__proto__":"x","a":"b"}');
  });

  it('never echoes a long label value back in full', () => {
    const result = valid(body([stream({ 'bad-name': 'v'.repeat(2000) }, [[NOW, 'x']])]));
    expect(result.rejections.describe(result.received).length).toBeLessThan(400);
  });
});

describe('validatePush: entries', () => {
  it('refuses lines over maxLineBytes, measured in UTF-8 bytes', () => {
    const result = valid(body([stream({ a: 'b' }, [[NOW, 'é'.repeat(6)], [ns(NOW_MS, 1), 'é'.repeat(5)]])]), policy({ maxLineBytes: 10 }));
    expect(result.push.entries).toBe(1);
    expect(result.rejections.describe(result.received)).toContain('stream {a="b"}: 1 entry with a line over 10 bytes (like one of 12 bytes)');
  });

  it('refuses entries older than maxEntryAgeMs', () => {
    const old = ns(NOW_MS - 168 * 3600_000);
    const result = valid(body([stream({ a: 'b' }, [[old, 'old'], ['1795510976321', 'ms, not ns'], [NOW, 'new']])]));
    expect(result.push.streams[0]!.values).toEqual([[NOW, 'new']]);
    expect(result.rejections.byReason.get('timestamp_too_old')).toBe(2);
    expect(result.rejections.describe(result.received)).toContain('2 entries with timestamp too old (like 2026-11-18T12:00:00.000Z; oldest accepted 2026-11-18T13:00:00.000Z)');
  });

  it("reject mode: refuses entries further ahead than maxFutureMs", () => {
    const ahead = ns(NOW_MS + 6 * 60_000);
    const result = valid(body([stream({ a: 'b' }, [[NOW, 'now'], [ahead, 'ahead']])]), policy({ futureTimestamps: 'reject' }));
    expect(result.push.streams[0]!.values).toEqual([[NOW, 'now']]);
    expect(result.rejections.describe(result.received)).toContain('1 entry with timestamp too new (like 2026-11-25T12:06:00.000Z; newest accepted 2026-11-25T12:05:00.000Z)');
  });

  it('clamp mode: a push from a clock two hours ahead is moved back whole, order and spacing kept', () => {
    const skew = 2 * 3600_000;
    const values = [0, 1, 1, 250].map((ms, i) => [ns(NOW_MS + skew + ms, i), `line ${i}`]);
    const result = valid(body([stream({ a: 'b' }, values), stream({ c: 'd' }, [[ns(NOW_MS + skew + 100), 'other stream']])]));
    expect(result.clamped).toBe(5);
    expect(result.rejections.reported).toBe(0);
    const moved = result.push.streams[0]!.values.map(([ts]) => BigInt(ts));
    // The newest entry of the push lands at the proxy's now; every gap is what the client logged.
    expect(moved[3]).toBe(BigInt(NOW));
    expect(moved.map((ts) => ts - moved[0]!)).toEqual([0n, 1_000_001n, 1_000_002n, 250_000_003n]);
    expect(BigInt(result.push.streams[1]!.values[0]![0])).toBe(BigInt(NOW) - 150_000_003n);
  });

  it('clamp mode leaves a push within the window alone', () => {
    const ahead = ns(NOW_MS + 4 * 60_000);
    const result = valid(body([stream({ a: 'b' }, [[ahead, 'x']])]));
    expect(result.clamped).toBe(0);
    expect(result.push.streams[0]!.values[0]![0]).toBe(ahead);
  });

  it('drops empty lines without reporting them (Loki answers 204 and stores nothing), but counts them', () => {
    const result = valid(body([stream({ a: 'b' }, [[NOW, ''], [ns(NOW_MS, 1), 'x']])]));
    expect(result.push.entries).toBe(1);
    expect(result.rejections.byReason.get('empty_line')).toBe(1);
    expect(result.rejections.reported).toBe(0);
  });

  it('repairs lone surrogates, which would fail the whole push in Loki', () => {
    const result = valid(`{"streams":[{"stream":{"a":"\\ud800x"},"values":[["${NOW}","bad \\udc00 line"]]}]}`);
    expect(result.push.streams[0]).toEqual({ labels: { a: '\ufffdx' }, values: [[NOW, 'bad \ufffd line']] });
    expect(JSON.stringify(result.push.streams)).not.toMatch(/\\ud[89a-f]/);
  });

  it('writes timestamps canonically (leading zeros dropped)', () => {
    expect(valid(body([stream({ a: 'b' }, [[`000${NOW}`, 'x']])])).push.streams[0]!.values[0]![0]).toBe(NOW);
  });

  it('passes structured metadata on', () => {
    expect(valid(body([stream({ a: 'b' }, [[NOW, 'x', { trace_id: 'abc' }]])])).push.streams[0]!.values[0]).toEqual([NOW, 'x', { trace_id: 'abc' }]);
  });

  it('names at most ten problems, and counts them all', () => {
    const streams = Array.from({ length: 14 }, (_, i) => stream({ [`bad-${i}`]: 'x' }, [[NOW, 'x']]));
    const result = valid(body(streams));
    const text = result.rejections.describe(result.received);
    expect(text.match(/is not valid/g)).toHaveLength(10);
    expect(text).toContain('… and 4 more problems');
    expect(text).toMatch(/total ignored: 14 out of 14$/);
  });
});
