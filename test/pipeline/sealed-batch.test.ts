import { describe, expect, it } from 'vitest';
import { restampBatch, sealBatch, splitBatch } from '../../src/pipeline/sealed-batch.js';

type Push = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

const sealed = () =>
  sealBatch('{"service_name":"t"}', { ms: [1_900_000_000_000, 1_900_000_000_000, 1_900_000_000_001], sub: [5, 6, 0], lines: ['a', 'b', 'c'], levels: [30, 50, 30], bytes: 3 }, 0);

describe('sealed batches', () => {
  it('carry an id of 16–64 URL-safe characters, the most important level and the oldest timestamp', () => {
    const b = sealed();
    expect(b.id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    expect(b).toMatchObject({ entries: 3, maxLevel: 50, firstMs: 1_900_000_000_000, firstSub: 5 });
    expect(sealed().id).not.toBe(b.id);
  });

  it('split into ordered halves with their own ids and the same entries', () => {
    const [first, second] = splitBatch(sealed())!;
    const values = (x: { body: string }) => (JSON.parse(x.body) as Push).streams.flatMap((s) => s.values);
    expect(values(first)).toEqual([['1900000000000000005', 'a'], ['1900000000000000006', 'b']]);
    expect(values(second)).toEqual([['1900000000001000000', 'c']]);
    expect(second).toMatchObject({ entries: 1, firstMs: 1_900_000_000_001, firstSub: 0 });
    expect(first.id).not.toBe(second.id);
    expect(splitBatch(second)).toBeUndefined();
  });

  it('re-stamp by an offset exactly, keeping order and spacing, under a new id', () => {
    const b = sealed();
    const moved = restampBatch({ ...b, clockMs: 0 }, -7_200_000);
    const ts = (JSON.parse(moved.body) as Push).streams[0]!.values.map((v) => BigInt(v[0]));
    expect(ts).toEqual([1_899_992_800_000_000_005n, 1_899_992_800_000_000_006n, 1_899_992_800_001_000_000n]);
    expect(moved).toMatchObject({ firstMs: 1_899_992_800_000, firstSub: 5, clockMs: -7_200_000 });
    expect(moved.id).not.toBe(b.id);
  });
});
