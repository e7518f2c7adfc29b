import { describe, expect, it } from 'vitest';
import { EntryQueue } from '../../src/pipeline/entry-queue.js';

const TRACE = 10, DEBUG = 20, INFO = 30, WARN = 40, ERROR = 50, FATAL = 60;

function fill(q: EntryQueue, levels: number[]) {
  levels.forEach((level, i) => q.push(1000, i, `e${i}`, level));
}

describe('EntryQueue', () => {
  it('takes oldest first within entry and byte limits', () => {
    const q = new EntryQueue();
    fill(q, [INFO, INFO, INFO, INFO]);
    expect(q.take(3, 1000).lines).toEqual(['e0', 'e1', 'e2']);
    expect(q.take(3, 1000).lines).toEqual(['e3']);
    expect(q.size).toBe(0);
    fill(q, [INFO, INFO, INFO]);
    expect(q.take(10, 4).lines).toEqual(['e0', 'e1']); // 2 bytes each
    expect(q.bytes).toBe(2);
  });

  it('sheds the least important level first, oldest first, and keeps order', () => {
    const q = new EntryQueue();
    fill(q, [ERROR, INFO, DEBUG, WARN, DEBUG, FATAL, INFO, TRACE]);
    const shed: number[] = [];
    for (let i = 0; i < 5; i++) shed.push(q.shedOne()!);
    expect(shed).toEqual([TRACE, DEBUG, DEBUG, INFO, INFO]);
    expect(q.size).toBe(3);
    expect(q.take(10, 1000)).toMatchObject({ lines: ['e0', 'e3', 'e5'], levels: [ERROR, WARN, FATAL] });
    expect(q.shedOne()).toBeUndefined();
  });

  it('stays bounded and correct under sustained shedding (compaction)', () => {
    const q = new EntryQueue();
    let sub = 0;
    // A full queue under an outage: every new entry forces one out.
    for (let i = 0; i < 5000; i++) q.push(1000, sub++, `w${i}`, WARN);
    for (let i = 0; i < 100_000; i++) {
      q.push(1000, sub++, `i${i}`, i % 10 === 0 ? ERROR : INFO);
      q.shedOne();
    }
    expect(q.size).toBe(5000);
    const all = q.take(100_000, Infinity);
    // Each info was the least important entry, so it went at once; each error pushed out the
    // oldest warning, then (warnings gone) the oldest error. Left: the newest 5000 errors, in order.
    const expected = Array.from({ length: 5000 }, (_, k) => `i${50_000 + k * 10}`);
    expect(all.lines).toEqual(expected);
    expect(all.sub).toEqual([...all.sub].sort((a, b) => a - b));
  });

  it('peeks past shed entries at the head', () => {
    const q = new EntryQueue();
    fill(q, [DEBUG, ERROR]);
    q.shedOne();
    expect(q.peekTimestamp()).toEqual({ ms: 1000, sub: 1 });
  });
});
