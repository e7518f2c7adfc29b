import { describe, expect, it } from 'vitest';
import { jsonHead, jsonLine } from '../../src/format/json-line.js';
import { logfmtLine } from '../../src/format/logfmt-line.js';
import { capLine, TRUNCATION_MARKER } from '../../src/format/truncate-line.js';
import { utf8ByteLength } from '../../src/format/utf8.js';

const MAX = 4096;

describe('capLine', () => {
  it('leaves lines under the cap untouched', () => {
    const line = jsonLine(jsonHead('info', 'short'), { a: 'b' });
    expect(capLine(line, MAX, 'json', 'info', 'short')).toBe(line);
  });

  it('cuts a long JSON line to valid JSON under the cap, with a visible marker', () => {
    const huge = 'x'.repeat(10 * 1024 * 1024);
    const line = jsonLine(jsonHead('error', 'big payload'), { huge, after: 1 });
    const capped = capLine(line, MAX, 'json', 'error', 'big payload');
    expect(utf8ByteLength(capped)).toBeLessThanOrEqual(MAX);
    expect(utf8ByteLength(capped)).toBeGreaterThan(MAX - 64);
    const parsed = JSON.parse(capped) as Record<string, unknown>;
    expect(parsed).toMatchObject({ level: 'error', msg: 'big payload', truncated: true, originalBytes: utf8ByteLength(line) });
    expect(String(parsed.partial).endsWith(TRUNCATION_MARKER)).toBe(true);
  });

  it('counts multi-byte characters as bytes, not UTF-16 units', () => {
    const line = jsonLine(jsonHead('info', 'm'), { text: '日本語'.repeat(1000) });
    const capped = capLine(line, MAX, 'json', 'info', 'm');
    expect(utf8ByteLength(capped)).toBeLessThanOrEqual(MAX);
    expect(() => JSON.parse(capped)).not.toThrow();
  });

  it('never splits a surrogate pair into a lone surrogate', () => {
    const line = jsonLine(jsonHead('info', 'm'), { text: '😀'.repeat(5000) });
    const capped = capLine(line, MAX, 'json', 'info', 'm');
    expect(capped).not.toMatch(/\\ud[89a-f]/);
  });

  it('cuts logfmt lines with a marker too', () => {
    const line = logfmtLine('info', 'm', { v: 'y'.repeat(20_000) });
    const capped = capLine(line, MAX, 'logfmt', 'info', 'm');
    expect(utf8ByteLength(capped)).toBeLessThanOrEqual(MAX);
    expect(capped).toContain('truncated=true');
    expect(capped).toContain(TRUNCATION_MARKER);
    expect(capped.startsWith('level=info ')).toBe(true);
  });
});
