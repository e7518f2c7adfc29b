import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBrowserDurability } from '../../src/platform/browser-durability.js';
import type { SealedBatch } from '../../src/pipeline/sealed-batch.js';

/**
 * The IndexedDB logic with fake-indexeddb (unit level; the real thing runs in Chromium in
 * e2e/browser-durability.spec.ts): order, bounds and eviction, exit writes, failures.
 */
let n = 0;
function batch(entries: number, maxLevel: number, bytes = 100): SealedBatch {
  n++;
  return { id: `batch-${n}`, body: 'x'.repeat(bytes), entries, maxLevel, firstMs: 1_900_000_000_000 + n, firstSub: 0, stored: false };
}

const endpoint = 'https://logs.example.com/loki/api/v1/push';
let errors: unknown[];
let evicted: number[];
function durability(overrides: { maxStoredBytes?: number; maxStoredEntries?: number; endpoint?: string } = {}) {
  return createBrowserDurability({
    endpoint: overrides.endpoint ?? endpoint,
    maxStoredBytes: overrides.maxStoredBytes ?? 1 << 20,
    maxStoredEntries: overrides.maxStoredEntries ?? 10_000,
    onError: (e) => errors.push(e),
    onEvicted: (entries) => evicted.push(entries),
  })!;
}

beforeEach(() => {
  errors = [];
  evicted = [];
  // A fresh, empty IndexedDB per test.
  (globalThis as { indexedDB?: IDBFactory }).indexedDB = new IDBFactory();
});
afterEach(() => {
  expect(errors).toEqual([]);
});

describe('browser durability (IndexedDB)', () => {
  it('lists what any page stored for the endpoint, oldest first, and forgets removed ones', async () => {
    const page1 = durability();
    const [a, b, c] = [batch(1, 30), batch(2, 50), batch(3, 30)];
    expect(await page1.save(b)).toBe(true);
    expect(await page1.save(a)).toBe(true);
    expect(await page1.save(c)).toBe(true);
    await durability({ endpoint: 'https://other.example.com/push' }).save(batch(9, 30));

    const page2 = durability();
    const listed = await page2.list();
    expect(listed.map((x) => x.id)).toEqual([a.id, b.id, c.id].sort((x, y) => Number(x.slice(6)) - Number(y.slice(6))));
    expect(listed.every((x) => x.stored && x.body.length === 100)).toBe(true);
    await page2.remove(b.id);
    expect(await page2.has(b.id)).toBe(false);
    expect((await durability().list()).map((x) => x.id)).not.toContain(b.id);
  });

  it('stays within its bounds: evicts least important, then oldest, and counts what another page loses', async () => {
    const other = durability({ maxStoredEntries: 10 });
    const oldInfo = batch(4, 30);
    const error = batch(4, 50);
    const newInfo = batch(2, 30);
    await other.save(oldInfo);
    await other.save(error);
    await other.save(newInfo);
    const mine = durability({ maxStoredEntries: 10 });
    // 10 stored + 3 would be 13: the oldest info batch (4 entries) goes, though it is older than the error.
    expect(await mine.save(batch(3, 40))).toBe(true);
    expect(evicted).toEqual([4]);
    const ids = (await mine.list()).map((x) => x.id);
    expect(ids).not.toContain(oldInfo.id);
    expect(ids).toContain(error.id);
    // Storage full of more important batches: a trace batch stays in memory only.
    expect(await mine.save(batch(5, 10))).toBe(false);
  });

  it('writes on page exit in one committed write, with no read first', async () => {
    const d = durability();
    const exit = [batch(5, 30), batch(6, 30)];
    d.saveOnExit(exit);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(exit.every((x) => x.stored)).toBe(true);
    expect((await durability().list()).map((x) => x.entries)).toEqual([5, 6]);
  });

  it('counts storage that fails and stops using it, without throwing', async () => {
    const original = indexedDB.open.bind(indexedDB);
    indexedDB.open = () => {
      throw new DOMException('blocked', 'SecurityError');
    };
    try {
      const d = durability();
      for (let i = 0; i < 5; i++) expect(await d.save(batch(1, 30))).toBe(false);
      expect(await d.list()).toEqual([]);
      expect(errors).toHaveLength(3); // then it leaves storage alone
      errors = [];
    } finally {
      indexedDB.open = original;
    }
  });
});
