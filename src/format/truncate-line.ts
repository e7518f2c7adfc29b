import { replaceLoneSurrogateEscapes, toWellFormed, utf8ByteLength } from './utf8.js';

/** Shown at the cut, so a reader in Grafana sees that the line was cut and by how much. */
export const TRUNCATION_MARKER = '…[truncated]';

/**
 * Keeps a line under Loki's `max_line_size` (Loki 3: 256 KB; an oversize line is refused, not
 * cut). Cheap when the line is short: UTF-8 is at most 3 bytes per UTF-16 unit, so only lines
 * longer than a third of the cap are measured.
 *
 * A JSON line stays valid JSON: level and message are kept, the original's head goes in
 * `partial`, and `truncated`/`originalBytes` say what happened.
 */
export function capLine(line: string, maxBytes: number, format: 'json' | 'logfmt', level: string, msg: string): string {
  if (line.length * 3 <= maxBytes) return line;
  const bytes = utf8ByteLength(line);
  if (bytes <= maxBytes) return line;
  if (format === 'logfmt') {
    const suffix = `${TRUNCATION_MARKER}" truncated=true original_bytes=${bytes}`;
    return fit((n) => `level=${level} partial="${toWellFormed(line.slice(0, n)).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}${suffix}`, line.length, maxBytes);
  }
  const head = `{"level":"${level}","msg":${JSON.stringify(toWellFormed(msg.slice(0, 1024)))},"truncated":true,"originalBytes":${bytes},"partial":`;
  return fit((n) => head + replaceLoneSurrogateEscapes(JSON.stringify(line.slice(0, n) + TRUNCATION_MARKER)) + '}', line.length, maxBytes);
}

/** The longest `build(n)` that fits in `maxBytes`, by binary search over the kept prefix length. */
function fit(build: (keep: number) => string, length: number, maxBytes: number): string {
  let low = 0;
  let high = Math.min(length, maxBytes);
  let best = build(0);
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const candidate = build(mid);
    if (utf8ByteLength(candidate) <= maxBytes) {
      best = candidate;
      low = mid + 1;
    } else high = mid - 1;
  }
  return best;
}
