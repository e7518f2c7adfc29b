import { safeFields } from './json-line.js';
import { toWellFormed } from './utf8.js';

/**
 * logfmt: `level=info msg="user signed in" userId=42 err.message="boom"`. Nested objects are
 * flattened with dots, as Loki's `| logfmt` parser and Grafana expect.
 */
export function logfmtLine(level: string, msg: string, fields: Record<string, unknown> | undefined): string {
  let line = `level=${level} msg=${quote(toWellFormed(msg))}`;
  if (fields !== undefined) {
    const parts: string[] = [];
    flatten(safeFields(fields), '', parts, 0);
    if (parts.length > 0) line += ' ' + parts.join(' ');
  }
  return line;
}

function flatten(value: unknown, prefix: string, parts: string[], depth: number): void {
  if (typeof value === 'object' && value !== null && depth < 6) {
    const entries = Array.isArray(value) ? value.map((item, i) => [String(i), item] as const) : Object.entries(value);
    for (const [key, item] of entries) flatten(item, prefix === '' ? key : `${prefix}.${key}`, parts, depth + 1);
    return;
  }
  const key = prefix.replace(/[\s="]/g, '_') || '_';
  parts.push(`${key}=${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object' && value !== null) return quote(JSON.stringify(value));
  return String(value);
}

/** Quote when needed; escape like Go's strconv.Quote for the characters logfmt parsers care about. */
function quote(value: string): string {
  if (value !== '' && !/[\s"=\\\x00-\x1f]/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t').replace(/[\x00-\x1f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;
}
