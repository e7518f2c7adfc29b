import type { Batch } from '../pipeline/entry-queue.js';
import { formatNanoseconds } from './timestamp.js';

/**
 * Loki push JSON for one stream: `{"streams":[{"stream":{…},"values":[["<ns>","<line>"],…]}]}`.
 * Entries are already in ascending timestamp order (the queue is FIFO and timestamps strictly
 * increase), which Loki wants per stream.
 */
export function encodePushBody(streamJson: string, batch: Batch): string {
  const values = new Array<string>(batch.lines.length);
  for (let i = 0; i < batch.lines.length; i++) {
    values[i] = `["${formatNanoseconds(batch.ms[i]!, batch.sub[i]!)}",${JSON.stringify(batch.lines[i])}]`;
  }
  return `{"streams":[{"stream":${streamJson},"values":[${values.join(',')}]}]}`;
}
