import { describe, expect, it } from 'vitest';
import { logfmtLine } from '../../src/format/logfmt-line.js';

describe('logfmtLine', () => {
  it('writes level, msg and flattened fields, quoting where needed', () => {
    expect(logfmtLine('info', 'user signed in', { userId: 42, name: 'Ada Lovelace', ok: true })).toBe(
      'level=info msg="user signed in" userId=42 name="Ada Lovelace" ok=true',
    );
    expect(logfmtLine('warn', 'plain', undefined)).toBe('level=warn msg=plain');
  });

  it('flattens nested objects and errors with dots', () => {
    const line = logfmtLine('error', 'failed', { err: new Error('bad "thing"'), req: { path: '/a', n: 1 } });
    expect(line).toContain('err.name=Error');
    expect(line).toContain('err.message="bad \\"thing\\""');
    expect(line).toContain('req.path=/a req.n=1');
  });

  it('escapes newlines and equals signs so one entry stays one line', () => {
    const line = logfmtLine('info', 'a\nb', { 'k=ey': 'v=1' });
    expect(line).not.toContain('\n');
    expect(line).toBe('level=info msg="a\\nb" k_ey="v=1"');
  });
});
