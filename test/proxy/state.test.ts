/** The proxy's small state machines, with the clock passed in: dedup window, rate limiter, CPU gate, byte budget. */
import { describe, expect, it } from 'vitest';
import { createBatchDedup } from '../../src/proxy/batch-dedup.js';
import { readBatchId } from '../../src/proxy/batch-id.js';
import { createByteBudget } from '../../src/proxy/byte-budget.js';
import { clientKey } from '../../src/proxy/client-address.js';
import { createGate } from '../../src/proxy/gate.js';
import { createRateLimiter } from '../../src/proxy/rate-limiter.js';

describe('batch ids', () => {
  const id = 'b1234567890abcdef';
  it('reads the header first, then ?batch=', () => {
    expect(readBatchId(id, 'q1234567890abcdef')).toBe(id);
    expect(readBatchId(undefined, 'q1234567890abcdef')).toBe('q1234567890abcdef');
    expect(readBatchId(undefined, null)).toBeUndefined();
    expect(readBatchId('', '')).toBeUndefined();
  });
  it.each(['short', 'x'.repeat(65), 'has space 1234567890', 'a/b1234567890abcdef', 'ü1234567890abcdefg'])('refuses %j', (bad) => {
    expect(readBatchId(bad, null)).toBeNull();
  });
  it('takes 16 to 64 characters of [A-Za-z0-9_-]', () => {
    expect(readBatchId('a'.repeat(16), null)).toBe('a'.repeat(16));
    expect(readBatchId('A-z_0'.repeat(12) + 'abcd', null)).toHaveLength(64);
  });
});

describe('createBatchDedup', () => {
  it('remembers an id for the window, then forgets it', () => {
    const dedup = createBatchDedup(1000, 10);
    dedup.remember('a', 0);
    expect(dedup.has('a', 999)).toBe(true);
    expect(dedup.has('a', 1000)).toBe(false);
    expect(dedup.size).toBe(0);
  });
  it('keeps at most maxIds, forgetting the oldest first', () => {
    const dedup = createBatchDedup(60_000, 3);
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) dedup.remember(id, i);
    expect(dedup.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => dedup.has(id, 10))).toEqual([false, true, true, true]);
  });
  it('a re-remembered id gets a fresh window', () => {
    const dedup = createBatchDedup(1000, 10);
    dedup.remember('a', 0);
    dedup.remember('b', 500);
    dedup.remember('a', 900);
    expect(dedup.has('b', 1600)).toBe(false);
    expect(dedup.has('a', 1600)).toBe(true);
  });
  it('stays bounded under a flood of ids', () => {
    const dedup = createBatchDedup(600_000, 1000);
    for (let i = 0; i < 50_000; i++) dedup.remember(`id-${i}`, i);
    expect(dedup.size).toBe(1000);
  });
});

describe('createRateLimiter', () => {
  it('allows a burst, then the rate, and says when a token is back', () => {
    const limiter = createRateLimiter(2, 3, 100);
    expect([0, 0, 0].map(() => limiter.take('c', 0))).toEqual([undefined, undefined, undefined]);
    expect(limiter.take('c', 0)).toBe(500);
    expect(limiter.take('c', 250)).toBe(250);
    expect(limiter.take('c', 500)).toBeUndefined();
    expect(limiter.take('c', 500)).toBe(500);
  });
  it('keeps clients apart', () => {
    const limiter = createRateLimiter(1, 1, 100);
    expect(limiter.take('a', 0)).toBeUndefined();
    expect(limiter.take('a', 0)).toBe(1000);
    expect(limiter.take('b', 0)).toBeUndefined();
  });
  it('never refills past the burst', () => {
    const limiter = createRateLimiter(10, 2, 100);
    limiter.take('a', 0);
    expect([0, 0, 0].map(() => limiter.take('a', 3_600_000))).toEqual([undefined, undefined, 100]);
  });
  it('forgets the least recently seen client past maxClients', () => {
    const limiter = createRateLimiter(1, 1, 2);
    limiter.take('a', 0);
    limiter.take('b', 0);
    limiter.take('a', 0); // a is now the most recent
    limiter.take('c', 0); // b is forgotten
    expect(limiter.size).toBe(2);
    expect(limiter.take('a', 0)).toBe(1000); // still tracked, still empty
    expect(limiter.take('b', 0)).toBeUndefined(); // forgotten: a full bucket again
  });
});

describe('clientKey', () => {
  it('is the remote address unless a header is configured', () => {
    expect(clientKey(undefined, '6.6.6.6', '10.0.0.1')).toBe('10.0.0.1');
    expect(clientKey(undefined, undefined, undefined)).toBeUndefined();
  });
  it('takes the last X-Forwarded-For hop: the one the trusted proxy wrote', () => {
    expect(clientKey('x-forwarded-for', '6.6.6.6, 203.0.113.7', '10.0.0.1')).toBe('203.0.113.7');
    expect(clientKey('x-real-ip', ' 203.0.113.7 ', '10.0.0.1')).toBe('203.0.113.7');
    expect(clientKey('x-forwarded-for', '', '10.0.0.1')).toBe('10.0.0.1');
  });
});

describe('createGate', () => {
  it('runs at most `limit` tasks at once, in arrival order', async () => {
    const gate = createGate(2);
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    const task = (i: number) =>
      gate.run(async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        order.push(i);
        running--;
        return i;
      });
    expect(await Promise.all([0, 1, 2, 3, 4].map(task))).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });
  it('releases its slot when a task throws', async () => {
    const gate = createGate(1);
    await expect(gate.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(gate.run(async () => 'next')).resolves.toBe('next');
  });
});

describe('createByteBudget', () => {
  it('refuses what would pass the limit and takes nothing then', () => {
    const budget = createByteBudget(10);
    expect(budget.take(6)).toBe(true);
    expect(budget.take(5)).toBe(false);
    expect(budget.used).toBe(6);
    budget.give(6);
    expect(budget.take(10)).toBe(true);
  });
});
