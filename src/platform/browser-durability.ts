import { createStore, del, get, getMany, keys, promisifyRequest, set, type UseStore } from 'idb-keyval';
import type { Durability } from '../pipeline/durability.js';
import type { SealedBatch } from '../pipeline/sealed-batch.js';

/**
 * Durability for browsers: sealed batches are written to IndexedDB (idb-keyval, in a database
 * of their own) before their first send and deleted once settled, so a crash, reload or closed
 * tab loses nothing; tabs coordinate with Web Locks so no batch is sent by two at once, and a
 * gone tab's batches (their locks released with it) are adopted by a live one.
 *
 * The key carries what bounds and ordering need — endpoint, oldest timestamp, id, level,
 * entries, bytes — so `keys()` answers them without reading any body.
 *
 * Without Web Locks (Safari < 15.4) two tabs may send the same batch; Loki merges the copies
 * (same timestamps and lines) and the proxy drops a batch id it already forwarded.
 */
type Key = [endpoint: string, firstMs: number, firstSub: number, id: string, maxLevel: number, entries: number, bytes: number];

interface StoredValue {
  id: string;
  body: string;
  entries: number;
  maxLevel: number;
  firstMs: number;
  firstSub: number;
}

export interface BrowserDurabilityOptions {
  endpoint: string;
  maxStoredBytes: number;
  maxStoredEntries: number;
  /** A storage operation failed (quota, private mode, blocked): counted, never thrown. */
  onError: (error: unknown) => void;
  /** Stored batches of other pages evicted to stay within bounds: their entries are lost. */
  onEvicted: (entries: number) => void;
}

const DB_NAME = 'cloudlog';
const STORE_NAME = 'batches';

export function createBrowserDurability(options: BrowserDurabilityOptions): Durability | undefined {
  if (typeof indexedDB === 'undefined') return undefined;
  let store: UseStore | undefined;
  // Keys of the batches this page wrote or adopted, by id.
  const known = new Map<string, Key>();
  const evictedHere = new Set<string>();
  let failures = 0;

  // Opened lazily; after a failure (e.g. the browser closed the connection) the next call reopens it.
  const db = (): UseStore => (store ??= createStore(DB_NAME, STORE_NAME));
  async function attempt<T>(work: (s: UseStore) => Promise<T>, fallback: T): Promise<T> {
    // Storage that keeps failing (private mode, blocked) is left alone: the logger works from memory.
    if (failures >= 3) return fallback;
    try {
      const result = await work(db());
      failures = 0;
      return result;
    } catch (error) {
      failures++;
      store = undefined;
      options.onError(error);
      return fallback;
    }
  }

  const locks = (globalThis.navigator as Navigator | undefined)?.locks;

  return {
    async withLock(id, work) {
      if (locks === undefined) {
        await work();
        return true;
      }
      try {
        return await locks.request(`cloudlog-batch:${id}`, { ifAvailable: true }, async (lock) => {
          if (lock === null) return false;
          await work();
          return true;
        });
      } catch {
        // Locks refused (e.g. an opaque origin): send without coordination, as without Web Locks.
        await work();
        return true;
      }
    },

    save(batch) {
      return attempt(async (s) => {
        const key = keyOf(batch);
        if (!(await makeRoom(s, key))) return false;
        await set(key, valueOf(batch), s);
        known.set(batch.id, key);
        return true;
      }, false);
    },

    saveOnExit(batches) {
      if (batches.length === 0 || failures >= 3) return;
      const pairs = batches.map((batch): [Key, StoredValue] => [keyOf(batch), valueOf(batch)]);
      try {
        db()('readwrite', (objectStore) => {
          for (const [key, value] of pairs) objectStore.put(value, key);
          // Commit now: a transaction left to auto-commit waits for its requests' success events,
          // which a page being unloaded never runs, and Chromium then aborts it.
          objectStore.transaction.commit?.();
          return promisifyRequest(objectStore.transaction);
        }).then(
          () => {
            for (const [key] of pairs) known.set(key[3], key);
            for (const batch of batches) batch.stored = true;
          },
          (error: unknown) => options.onError(error),
        );
      } catch (error) {
        options.onError(error);
      }
    },

    async has(id) {
      const key = known.get(id);
      // Evicted by this page to make room: gone from storage, but still ours to deliver from memory.
      if (evictedHere.has(id)) return true;
      if (key === undefined) return false;
      // Storage that fails cannot tell: assume the batch is still ours to deliver.
      return attempt(async (s) => (await get(key, s)) !== undefined, true);
    },

    async remove(id) {
      evictedHere.delete(id);
      const key = known.get(id);
      if (key === undefined) return;
      known.delete(id);
      await attempt((s) => del(key, s), undefined);
    },

    list() {
      return attempt(async (s) => {
        const mine = ((await keys<Key>(s)) as unknown[]).filter((k): k is Key => Array.isArray(k) && k[0] === options.endpoint);
        mine.sort((a, b) => a[1] - b[1] || a[2] - b[2]);
        const values = await getMany<StoredValue>(mine, s);
        const batches: SealedBatch[] = [];
        mine.forEach((key, i) => {
          const value = values[i];
          if (value === undefined) return; // deleted meanwhile by another tab
          known.set(value.id, key);
          batches.push({ ...value, stored: true });
        });
        return batches;
      }, []);
    },
  };

  function keyOf(batch: SealedBatch): Key {
    return [options.endpoint, batch.firstMs, batch.firstSub, batch.id, batch.maxLevel, batch.entries, batch.body.length];
  }

  function valueOf(batch: SealedBatch): StoredValue {
    return { id: batch.id, body: batch.body, entries: batch.entries, maxLevel: batch.maxLevel, firstMs: batch.firstMs, firstSub: batch.firstSub };
  }

  /**
   * Keeps the origin's stored batches within bounds: evicts the least important, then the
   * oldest — possibly the new batch itself, which then lives in memory only.
   */
  async function makeRoom(s: UseStore, incoming: Key): Promise<boolean> {
    const all = ((await keys<Key>(s)) as unknown[]).filter((k): k is Key => Array.isArray(k) && k.length === 7);
    let bytes = incoming[6];
    let entries = incoming[5];
    for (const k of all) {
      bytes += k[6];
      entries += k[5];
    }
    if (bytes <= options.maxStoredBytes && entries <= options.maxStoredEntries) return true;
    const candidates = [...all, incoming].sort((a, b) => a[4] - b[4] || a[1] - b[1] || a[2] - b[2]);
    for (const k of candidates) {
      if (bytes <= options.maxStoredBytes && entries <= options.maxStoredEntries) break;
      bytes -= k[6];
      entries -= k[5];
      // Storage is full of more important batches: this one stays in memory only.
      if (k === incoming) return false;
      await del(k, s);
      // A batch this page holds in memory is still delivered; another page's is gone for good.
      if (known.has(k[3])) evictedHere.add(k[3]);
      else options.onEvicted(k[5]);
      known.delete(k[3]);
    }
    return true;
  }
}
