import { describe, expect, it } from 'vitest';
import { replaceLoneSurrogateEscapes, toWellFormed, utf8ByteLength } from '../../src/format/utf8.js';

describe('toWellFormed', () => {
  it('replaces lone surrogates and keeps pairs', () => {
    expect(toWellFormed('a\ud800b')).toBe('a\ufffdb');
    expect(toWellFormed('a\udc00')).toBe('a\ufffd');
    expect(toWellFormed('😀 ok')).toBe('😀 ok');
  });
});

describe('replaceLoneSurrogateEscapes', () => {
  it('rewrites the escapes JSON.stringify writes for lone surrogates', () => {
    const json = JSON.stringify({ s: 'x\ud800y\udfffz' });
    expect(json).toContain('\\ud800');
    const fixed = replaceLoneSurrogateEscapes(json);
    expect(fixed).not.toMatch(/\\ud[89a-f]/);
    expect(JSON.parse(fixed)).toEqual({ s: 'x\ufffdy\ufffdz' });
  });

  it('leaves an escaped backslash followed by the text "ud800" alone', () => {
    const json = JSON.stringify({ s: '\\ud800' });
    expect(replaceLoneSurrogateEscapes(json)).toBe(json);
    const mixed = JSON.stringify({ s: '\\\ud800' }); // a backslash, then a lone surrogate
    expect(JSON.parse(replaceLoneSurrogateEscapes(mixed))).toEqual({ s: '\\\ufffd' });
  });

  it('handles two lone surrogates in a row', () => {
    const json = JSON.stringify('\ud800\ud800');
    expect(JSON.parse(replaceLoneSurrogateEscapes(json))).toBe('\ufffd\ufffd');
  });
});

describe('utf8ByteLength', () => {
  it('agrees with TextEncoder', () => {
    for (const s of ['', 'abc', 'ü', '日本', '😀', 'a\ud800b', 'x'.repeat(1000) + '€']) {
      expect(utf8ByteLength(s)).toBe(new TextEncoder().encode(s).byteLength);
    }
  });
});
