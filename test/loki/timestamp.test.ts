import { describe, expect, it } from 'vitest';
import { formatNanoseconds, nextTimestamp, type Timestamp } from '../../src/loki/timestamp.js';

const ns = (t: Timestamp) => BigInt(formatNanoseconds(t.ms, t.sub));

describe('nextTimestamp', () => {
  it('hands out strictly increasing nanoseconds within one millisecond', () => {
    const t: Timestamp = { ms: 0, sub: 0 };
    const ms = 1_900_000_000_000;
    const seen: bigint[] = [];
    for (let i = 0; i < 1000; i++) {
      nextTimestamp(ms, t);
      seen.push(ns(t));
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]! > seen[i - 1]!).toBe(true);
    expect(seen[0]! / 1_000_000n).toBe(BigInt(ms));
  });

  it('never goes back when the clock does', () => {
    const t: Timestamp = { ms: 0, sub: 0 };
    nextTimestamp(1_900_000_001_000, t);
    const before = ns(t);
    nextTimestamp(1_900_000_000_000, t); // clock stepped back a second
    expect(ns(t) > before).toBe(true);
  });

  it('borrows the next millisecond after a million entries in one', () => {
    const t: Timestamp = { ms: 0, sub: 0 };
    const ms = 1_900_000_002_000;
    let last = 0n;
    for (let i = 0; i < 1_000_001; i++) {
      nextTimestamp(ms, t);
      const now = ns(t);
      if (now <= last) throw new Error(`not increasing at ${i}`);
      last = now;
    }
    expect(t.ms).toBe(ms + 1);
  });
});

describe('formatNanoseconds', () => {
  it('writes ms followed by six digits, exactly, past 2^53', () => {
    expect(formatNanoseconds(1795510976321, 0)).toBe('1795510976321000000');
    expect(formatNanoseconds(1795510976321, 7)).toBe('1795510976321000007');
    expect(formatNanoseconds(1795510976321, 999999)).toBe('1795510976321999999');
    expect(BigInt(formatNanoseconds(1795510976321, 123456))).toBe(1795510976321n * 1_000_000n + 123456n);
  });
});
