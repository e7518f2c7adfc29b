/**
 * The bounded in-memory queue of entries waiting to be sent, oldest first.
 *
 * Stored as parallel columns rather than one object per entry: a queued entry costs its line
 * plus ~32 bytes, not an object header and a timestamp string on top (bench/heap-per-entry.mjs).
 */
export interface Batch {
  readonly ms: number[];
  readonly sub: number[];
  readonly lines: string[];
  readonly levels: number[];
  /** Sum of line lengths: the size bound, measured in UTF-16 units (bytes for ASCII lines). */
  readonly bytes: number;
}

export class EntryQueue {
  #ms: number[] = [];
  #sub: number[] = [];
  #lines: string[] = [];
  #levels: number[] = [];
  #head = 0;
  #bytes = 0;

  get size(): number {
    return this.#lines.length - this.#head;
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
  }

  /** Timestamp of the oldest entry, or undefined when empty. */
  peekTimestamp(): { ms: number; sub: number } | undefined {
    if (this.size === 0) return undefined;
    return { ms: this.#ms[this.#head]!, sub: this.#sub[this.#head]! };
  }

  /** Removes and returns the oldest entries, at most `maxEntries` and (past the first) `maxBytes`. */
  take(maxEntries: number, maxBytes: number): Batch {
    const start = this.#head;
    const limit = Math.min(this.#lines.length, start + maxEntries);
    let end = start;
    let bytes = 0;
    while (end < limit) {
      const length = this.#lines[end]!.length;
      if (end > start && bytes + length > maxBytes) break;
      bytes += length;
      end++;
    }
    const batch: Batch = {
      ms: this.#ms.slice(start, end),
      sub: this.#sub.slice(start, end),
      lines: this.#lines.slice(start, end),
      levels: this.#levels.slice(start, end),
      bytes,
    };
    this.#head = end;
    this.#bytes -= bytes;
    this.#compact();
    return batch;
  }

  /** Empties the queue, returning how many entries it held. */
  clear(): number {
    const n = this.size;
    this.#ms = [];
    this.#sub = [];
    this.#lines = [];
    this.#levels = [];
    this.#head = 0;
    this.#bytes = 0;
    return n;
  }

  /** Drop taken entries from the columns once they are half the array: amortized O(1). */
  #compact(): void {
    if (this.#head === this.#lines.length) {
      this.clear();
    } else if (this.#head > 1024 && this.#head * 2 > this.#lines.length) {
      this.#ms = this.#ms.slice(this.#head);
      this.#sub = this.#sub.slice(this.#head);
      this.#lines = this.#lines.slice(this.#head);
      this.#levels = this.#levels.slice(this.#head);
      this.#head = 0;
    }
  }
}
