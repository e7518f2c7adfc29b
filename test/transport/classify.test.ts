import { describe, expect, it } from 'vitest';
import { classifyStatus } from '../../src/transport/classify-status.js';
import { parseRetryAfter } from '../../src/transport/retry-after.js';

describe('classifyStatus', () => {
  it.each([
    [204, 'success'],
    [200, 'success'],
    [202, 'success'],
    [260, 'failure'],
    [400, 'failure'],
    [401, 'failure'],
    [403, 'failure'],
    [404, 'failure'],
    [422, 'failure'],
    [413, 'too-large'],
    [408, 'retryable'],
    [429, 'retryable'],
    [500, 'retryable'],
    [502, 'retryable'],
    [503, 'retryable'],
    [504, 'retryable'],
  ])('%i → %s', (status, kind) => {
    expect(classifyStatus(status).kind).toBe(kind);
  });

  it('names why refused entries were dropped', () => {
    expect(classifyStatus(260)).toEqual({ kind: 'failure', reason: 'server_dropped' });
    expect(classifyStatus(400)).toEqual({ kind: 'failure', reason: 'rejected' });
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T12:00:00Z');
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 11:00:00 GMT', now)).toBe(0);
  });
  it('caps what it honours at ten minutes', () => {
    expect(parseRetryAfter('9999999', now)).toBe(10 * 60_000);
    expect(parseRetryAfter('Thu, 25 Nov 2027 12:00:00 GMT', now)).toBe(10 * 60_000);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});
