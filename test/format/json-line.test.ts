import { describe, expect, it } from 'vitest';
import { isPlainJson, jsonHead, jsonLine } from '../../src/format/json-line.js';
import { encodePushBody } from '../../src/loki/push-body.js';

const parse = (line: string) => JSON.parse(line) as Record<string, unknown>;

describe('jsonLine', () => {
  it('writes level, msg, then the fields', () => {
    expect(jsonLine(jsonHead('info', 'signed in'), { userId: 42, ok: true })).toBe('{"level":"info","msg":"signed in","userId":42,"ok":true}');
    expect(jsonLine(jsonHead('info', 'no fields'), undefined)).toBe('{"level":"info","msg":"no fields"}');
    expect(jsonLine(jsonHead('info', 'empty'), {})).toBe('{"level":"info","msg":"empty"}');
  });

  it('keeps fields named level and msg aside instead of writing duplicate keys', () => {
    const line = jsonLine(jsonHead('info', 'm'), { level: 'x', msg: 'y', z: 1 });
    expect(parse(line)).toEqual({ level: 'info', msg: 'm', _level: 'x', _msg: 'y', z: 1 });
    expect(line.match(/"level"/g)).toHaveLength(1);
  });

  it('serializes errors with name, message, stack and the cause chain', () => {
    const err = new Error('payment failed', { cause: new TypeError('card declined') });
    (err as Error & { code?: string }).code = 'E_PAY';
    const line = parse(jsonLine(jsonHead('info', 'x'), { err, orderId: 'A-17' }));
    const e = line.err as Record<string, unknown>;
    expect(e.name).toBe('Error');
    expect(e.message).toBe('payment failed');
    expect(e.stack).toContain('payment failed');
    expect(e.code).toBe('E_PAY');
    expect((e.cause as Record<string, unknown>).name).toBe('TypeError');
    expect((e.cause as Record<string, unknown>).message).toBe('card declined');
    expect(line.orderId).toBe('A-17');
  });

  it('serializes AggregateError.errors', () => {
    const line = parse(jsonLine(jsonHead('info', 'x'), { err: new AggregateError([new Error('a'), new RangeError('b')], 'both') }));
    const errors = (line.err as { errors: { name: string; message: string }[] }).errors;
    expect(errors.map((e) => `${e.name}:${e.message}`)).toEqual(['Error:a', 'RangeError:b']);
  });

  it('puts an Error given as the fields under err', () => {
    const line = parse(jsonLine(jsonHead('info', 'x'), new Error('boom') as unknown as Record<string, unknown>));
    expect((line.err as { message: string }).message).toBe('boom');
  });

  it('gives every value JSON cannot hold a visible placeholder and keeps the rest', () => {
    const circular: Record<string, unknown> = { name: 'loop' };
    circular.self = circular;
    const throwing = {
      get boom(): string {
        throw new Error('getter exploded');
      },
      fine: 1,
    };
    const sym = Symbol('tag');
    const fields = {
      circular,
      big: 12345678901234567890n,
      sym,
      fn: function handler() {},
      undef: undefined,
      nan: NaN,
      inf: -Infinity,
      date: new Date('2026-01-02T03:04:05.000Z'),
      badDate: new Date('nope'),
      map: new Map<unknown, unknown>([['a', 1], [2, 'b']]),
      set: new Set(['x', 'y']),
      bytes: new Uint8Array([1, 2, 3]),
      buffer: new ArrayBuffer(8),
      throwing,
      [sym]: 'symbol-keyed',
      kept: 'yes',
    };
    const line = parse(jsonLine(jsonHead('info', 'x'), fields));
    expect(line).toMatchObject({
      circular: { name: 'loop', self: '[Circular]' },
      big: '12345678901234567890n',
      sym: '[Symbol(tag)]',
      fn: '[Function handler]',
      nan: 'NaN',
      inf: '-Infinity',
      date: '2026-01-02T03:04:05.000Z',
      badDate: 'Invalid Date',
      map: { a: 1, '2': 'b' },
      set: ['x', 'y'],
      bytes: [1, 2, 3],
      buffer: '[ArrayBuffer 8 bytes]',
      throwing: { boom: '[Thrown: getter exploded]', fine: 1 },
      '[Symbol(tag)]': 'symbol-keyed',
      kept: 'yes',
    });
    expect('undef' in line).toBe(false);
  });

  it('survives a Proxy whose traps throw', () => {
    const hostile = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
        getPrototypeOf() {
          throw new Error('no prototype');
        },
      },
    );
    const line = parse(jsonLine(jsonHead('info', 'x'), { hostile, kept: 1 }));
    expect(line.kept).toBe(1);
    expect(String(line.hostile)).toContain('no');
  });

  it('never lets a lone surrogate reach the wire, in fields or message', () => {
    const line = jsonLine(jsonHead('info', 'bad \ud800 msg'), { v: 'x\udc00y' });
    const body = encodePushBody('{"service_name":"t"}', { ms: [1], sub: [0], lines: [line], levels: [30], bytes: line.length });
    const sent = (JSON.parse(body) as { streams: { values: [string, string][] }[] }).streams[0]!.values[0]![1];
    expect(sent).not.toMatch(/\\ud[89a-f]/i);
    expect(parse(sent)).toMatchObject({ msg: 'bad \ufffd msg', v: 'x\ufffdy' });
  });

  it('caps deep nesting with a placeholder', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 50; i++) deep = { deep };
    expect(jsonLine(jsonHead('info', 'x'), { deep })).toContain('[Depth limit]');
  });
});

describe('isPlainJson', () => {
  it('accepts plain data and declines what JSON.stringify would mangle', () => {
    expect(isPlainJson({ a: 1, b: 'x', c: [true, null, { d: 2 }] }, 0)).toBe(true);
    expect(isPlainJson({ e: new Error('x') }, 0)).toBe(false);
    expect(isPlainJson({ n: NaN }, 0)).toBe(false);
    expect(isPlainJson({ u: undefined }, 0)).toBe(false);
    expect(isPlainJson({ m: new Map() }, 0)).toBe(false);
    expect(isPlainJson({ b: 1n }, 0)).toBe(false);
    expect(isPlainJson(Object.create(null) as object, 0)).toBe(true);
  });
});

describe('jsonLine with fields that are not an object', () => {
  it('keeps arrays and primitives under "fields"', () => {
    expect(JSON.parse(jsonLine(jsonHead('info', 'x'), [1, 2] as unknown as Record<string, unknown>))).toEqual({ level: 'info', msg: 'x', fields: [1, 2] });
    expect(JSON.parse(jsonLine(jsonHead('info', 'x'), 'text' as unknown as Record<string, unknown>))).toEqual({ level: 'info', msg: 'x', fields: 'text' });
  });
});
