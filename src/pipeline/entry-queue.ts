/**
 * The bounded in-memory queue of entries waiting to be sent, oldest first.
 *
 * Stored as parallel columns rather than one object per entry: a queued entry costs its line
 * plus ~32 bytes, not an object header and a timestamp string on top (bench/heap-per-entry.mjs).
 *
 * When it is over its bounds, `shedOne()` drops the oldest entry of the least important level
 * present (trace before debug before info … before fatal). A shed entry is a tombstone until the
 * columns are compacted, which happens in bulk, so shedding is amortized O(1).
 */
export interface Batch {
  readonly ms: number[];
  readonly sub: number[];
  readonly lines: string[];
  readonly levels: number[];
  /** Sum of line lengths: the size bound, measured in UTF-16 units (bytes for ASCII lines). */
  readonly bytes: number;
}

/** Level marker of a shed entry. */
const DEAD = -1;

export class EntryQueue {
  #ms: number[] = [];
  #sub: number[] = [];
  #lines: string[] = [];
  #levels: number[] = [];
  #head = 0;
  #dead = 0;
  #bytes = 0;
  /** Live entries per level (levels are 10…60, see logger/levels.ts). */
  #perLevel = new Map<number, number>();
  /** Per level: index before which no live entry of that level remains (where shedding searches next). */
  #cursor = new Map<number, number>();

  get size(): number {
    return this.#lines.length - this.#head - this.#dead;
  }

  get bytes(): number {
    return this.#bytes;
  }

  push(ms: number, sub: number, line: string, level: number): void {
    this.#ms.push(ms);
    this.#sub.push(sub);
    this.#lines.push(line);
    this.#levels.push(level);
    this.#bytes += line.length;
    this.#perLevel.set(level, (this.#perLevel.get(level) ?? 0) + 1);
  }

  /** Timestamp of the oldest entry, or undefined when empty. */
  peekTimestamp(): { ms: number; sub: number } | undefined {
    this.#skipDeadHead();
    if (this.size === 0) return undefined;
    return { ms: this.#ms[this.#head]!, sub: this.#sub[this.#head]! };
  }

  /** Removes and returns the oldest entries, at most `maxEntries` and (past the first) `maxBytes`. */
  take(maxEntries: number, maxBytes: number): Batch {
    const batch: Batch & { bytes: number } = { ms: [], sub: [], lines: [], levels: [], bytes: 0 };
    let i = this.#head;
    for (; i < this.#lines.length && batch.lines.length < maxEntries; i++) {
      const level = this.#levels[i]!;
      if (level === DEAD) {
        this.#dead--;
        continue;
      }
      const line = this.#lines[i]!;
      if (batch.lines.length > 0 && batch.bytes + line.length > maxBytes) break;
      batch.ms.push(this.#ms[i]!);
      batch.sub.push(this.#sub[i]!);
      batch.lines.push(line);
      batch.levels.push(level);
      batch.bytes += line.length;
      this.#perLevel.set(level, this.#perLevel.get(level)! - 1);
    }
    this.#head = i;
    this.#bytes -= batch.bytes;
    this.#compact();
    return batch;
  }

  /** The least important level present, or undefined when empty. */
  lowestLevel(): number | undefined {
    let level: number | undefined;
    for (const [candidate, count] of this.#perLevel) if (count > 0 && (level === undefined || candidate < level)) level = candidate;
    return level;
  }

  /**
   * Drops the oldest entry of the least important level present. Returns its level, or
   * undefined when the queue is empty.
   */
  shedOne(): number | undefined {
    const level = this.lowestLevel();
    if (level === undefined) return undefined;
    let i = Math.max(this.#cursor.get(level) ?? 0, this.#head);
    while (this.#levels[i] !== level) i++;
    this.#cursor.set(level, i + 1);
    this.#bytes -= this.#lines[i]!.length;
    this.#lines[i] = '';
    this.#levels[i] = DEAD;
    this.#dead++;
    this.#perLevel.set(level, this.#perLevel.get(level)! - 1);
    this.#compact();
    return level;
  }

  /** Empties the queue, returning how many entries it held. */
  clear(): number {
    const n = this.size;
    this.#ms = [];
    this.#sub = [];
    this.#lines = [];
    this.#levels = [];
    this.#head = 0;
    this.#dead = 0;
    this.#bytes = 0;
    this.#perLevel.clear();
    this.#cursor.clear();
    return n;
  }

  #skipDeadHead(): void {
    while (this.#head < this.#lines.length && this.#levels[this.#head] === DEAD) {
      this.#head++;
      this.#dead--;
    }
  }

  /** Drops taken and shed entries from the columns once they are half of them: amortized O(1). */
  #compact(): void {
    const waste = this.#head + this.#dead;
    if (this.size === 0) {
      if (this.#lines.length > 0) this.clear();
      return;
    }
    if (waste <= 1024 || waste * 2 <= this.#lines.length) return;
    const ms: number[] = [];
    const sub: number[] = [];
    const lines: string[] = [];
    const levels: number[] = [];
    for (let i = this.#head; i < this.#lines.length; i++) {
      if (this.#levels[i] === DEAD) continue;
      ms.push(this.#ms[i]!);
      sub.push(this.#sub[i]!);
      lines.push(this.#lines[i]!);
      levels.push(this.#levels[i]!);
    }
    this.#ms = ms;
    this.#sub = sub;
    this.#lines = lines;
    this.#levels = levels;
    this.#head = 0;
    this.#dead = 0;
    this.#cursor.clear();
  }
}
