import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../src/pipeline/backoff.js';

describe('backoffDelayMs', () => {
  it('doubles the ceiling per attempt up to the cap, with full jitter below it', () => {
    const top = () => 0.999999;
    expect(backoffDelayMs(1, 500, 30_000, top)).toBe(499);
    expect(backoffDelayMs(2, 500, 30_000, top)).toBe(999);
    expect(backoffDelayMs(4, 500, 30_000, top)).toBe(3999);
    expect(backoffDelayMs(20, 500, 30_000, top)).toBe(29_999);
    expect(backoffDelayMs(1000, 500, 30_000, top)).toBe(29_999);
    expect(backoffDelayMs(5, 500, 30_000, () => 0)).toBe(0);
  });
});
