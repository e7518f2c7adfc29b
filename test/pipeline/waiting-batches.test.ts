/** The waiting batches' kept total: it must equal the sum of their sizes after every kind of change. */
import { describe, expect, it } from 'vitest';
import type { SealedBatch } from '../../src/pipeline/sealed-batch.js';
import { sizeOf, WaitingBatches } from '../../src/pipeline/waiting-batches.js';

const batch = (id: string, body: string): SealedBatch => ({ id, body, entries: 1, maxLevel: 30, firstMs: 0, firstSub: 0, stored: false });
const sum = (w: WaitingBatches) => [...w].reduce((n, b) => n + sizeOf(b), 0);

describe('WaitingBatches', () => {
  it('keeps its byte total equal to the sum of its batches through every change, oldest first', () => {
    const w = new WaitingBatches();
    const a = batch('a', 'x'.repeat(100));
    const b = batch('b', 'y'.repeat(50));
    const c = batch('c', 'z'.repeat(10));
    w.push(a);
    w.push(b);
    expect(w.bytes).toBe(150);
    w.unshift(c);
    expect([...w].map((x) => x.id)).toEqual(['c', 'a', 'b']);
    expect(w.bytes).toBe(160);
    // Compressed in place: the body goes, the gzip'd bytes count.
    a.gzipped = new Uint8Array(7);
    a.body = '';
    w.resized();
    expect(w.bytes).toBe(67);
    expect(w.shift()?.id).toBe('c');
    expect(w.bytes).toBe(sum(w));
    w.remove(b);
    w.remove(b); // not there any more: nothing changes
    expect(w.bytes).toBe(7);
    expect(w.length).toBe(1);
    expect(w.takeAll().map((x) => x.id)).toEqual(['a']);
    expect(w.bytes).toBe(0);
    expect(w.shift()).toBeUndefined();
  });
});
