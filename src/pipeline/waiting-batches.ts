import type { SealedBatch } from './sealed-batch.js';

/** Bytes a sealed batch holds in memory: its compressed body once parked, else its text. */
export function sizeOf(batch: SealedBatch): number {
  return batch.body === '' && batch.gzipped !== undefined ? batch.gzipped.byteLength : batch.body.length;
}

/**
 * Sealed batches waiting in memory for a request slot, oldest first: parked during an outage
 * (Node), written ahead or adopted from storage, or sealed at a page exit.
 *
 * Their total size is what the queue's byte bound adds on every log call, so it is kept, not
 * summed each time: during a long outage in Node over a hundred batches wait (the default 8 MiB
 * holds ~700 000 entries) and summing them made a log call 2 µs slower. Every change goes
 * through these methods and marks the total for a recount, done once, when it is next read.
 */
export class WaitingBatches implements Iterable<SealedBatch> {
  #batches: SealedBatch[] = [];
  #bytes: number | undefined = 0;

  get length(): number {
    return this.#batches.length;
  }

  /** Sum of `sizeOf` over the batches. */
  get bytes(): number {
    if (this.#bytes === undefined) {
      let bytes = 0;
      for (const batch of this.#batches) bytes += sizeOf(batch);
      this.#bytes = bytes;
    }
    return this.#bytes;
  }

  push(batch: SealedBatch): void {
    this.#batches.push(batch);
    this.#bytes = undefined;
  }

  /** Back at the head: a batch that must go out before the others. */
  unshift(batch: SealedBatch): void {
    this.#batches.unshift(batch);
    this.#bytes = undefined;
  }

  shift(): SealedBatch | undefined {
    this.#bytes = undefined;
    return this.#batches.shift();
  }

  remove(batch: SealedBatch): void {
    const i = this.#batches.indexOf(batch);
    if (i === -1) return;
    this.#batches.splice(i, 1);
    this.#bytes = undefined;
  }

  /** Removes and returns them all, oldest first. */
  takeAll(): SealedBatch[] {
    this.#bytes = 0;
    return this.#batches.splice(0);
  }

  /** A batch's size changed in place (its body was compressed): recount. */
  resized(): void {
    this.#bytes = undefined;
  }

  [Symbol.iterator](): Iterator<SealedBatch> {
    return this.#batches[Symbol.iterator]();
  }
}
