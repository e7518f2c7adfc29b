import { describe, expect, it } from 'vitest';
import { createBreaker } from '../../src/pipeline/breaker.js';

describe('breaker', () => {
  const options = { failureThreshold: 3, openMs: 5000, maxOpenMs: 30_000 };

  it('opens after consecutive failures, half-opens after openMs, closes on a good probe', () => {
    const b = createBreaker(options);
    expect(b.record(false, 0)).toBe('closed');
    expect(b.record(false, 10)).toBe('closed');
    expect(b.record(false, 20)).toBe('open');
    expect(b.waitMs(20)).toBe(5000);
    expect(b.state(5019)).toBe('open');
    expect(b.state(5020)).toBe('half-open');
    expect(b.waitMs(5020)).toBe(0);
    expect(b.record(true, 5020)).toBe('closed');
    expect(b.record(false, 5030)).toBe('closed'); // the count starts over
  });

  it('a success in between resets the count', () => {
    const b = createBreaker(options);
    b.record(false, 0);
    b.record(false, 0);
    b.record(true, 0);
    b.record(false, 0);
    expect(b.record(false, 0)).toBe('closed');
  });

  it('reopens on a failed probe for twice as long, never longer than maxOpenMs', () => {
    const b = createBreaker(options);
    let now = 0;
    for (let i = 0; i < 3; i++) b.record(false, now);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      waits.push(b.waitMs(now));
      now += b.waitMs(now);
      expect(b.state(now)).toBe('half-open');
      expect(b.record(false, now)).toBe('open');
    }
    expect(waits).toEqual([5000, 10_000, 20_000, 30_000, 30_000, 30_000]);
  });
});
