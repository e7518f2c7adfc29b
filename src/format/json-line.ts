import { toSafeValue } from './safe-value.js';

/**
 * The fast path's gate: true when `JSON.stringify(value)` is known to encode `value` faithfully —
 * plain objects and arrays of strings, finite numbers, booleans and null, a few levels deep.
 * Anything else (Error, Map, Date, BigInt, a cycle, a class instance, a getter) goes to the slow
 * path. This walk costs far less than a `JSON.stringify` replacer (bench/hot-path.mjs).
 */
export function isPlainJson(value: object, depth: number): boolean {
  if (depth > 4) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!isPlainJsonItem(value[i], depth)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) {
    if (!isPlainJsonItem((value as Record<string, unknown>)[key], depth)) return false;
  }
  return true;
}

function isPlainJsonItem(item: unknown, depth: number): boolean {
  switch (typeof item) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(item);
    case 'object':
      return item === null || isPlainJson(item, depth + 1);
    default:
      return false;
  }
}

/**
 * `{"level":"info","msg":"…",…fields}`, given its head `{"level":"info","msg":"…",` (the logger
 * caches it per call site's message; the trailing comma saves a string node per queued entry,
 * bench/heap-per-entry.mjs). Fields named `level` or `msg` would collide with ours;
 * they are kept as `_level` / `_msg`. Never throws: anything the fast path declines is made safe
 * first. Lone surrogates are escaped here as `\udXXX` text; `encodePushBody` rewrites them.
 */
export function jsonLine(head: string, fields: Record<string, unknown> | undefined): string {
  if (fields === undefined) return closeHead(head);
  let encoded: string | undefined;
  try {
    if (!Array.isArray(fields) && isPlainJson(fields, 0) && !('level' in fields) && !('msg' in fields)) encoded = JSON.stringify(fields);
  } catch {
    // A getter or Proxy trap threw during the walk: take the slow path.
  }
  if (encoded === undefined) encoded = JSON.stringify(safeFields(fields));
  return encoded.length > 2 ? head + encoded.slice(1) : closeHead(head);
}

/** The head of a JSON line: level and message, and the comma that follows them. */
export function jsonHead(level: string, msg: string): string {
  return `{"level":"${level}","msg":${JSON.stringify(msg)},`;
}

function closeHead(head: string): string {
  return head.slice(0, -1) + '}';
}

/** Fields as a plain object JSON can encode, with our own keys moved aside. Never throws. */
export function safeFields(fields: unknown): Record<string, unknown> {
  // `log.error('payment failed', err)`: the error goes under `err`, as pino does.
  const isError = fields instanceof Error;
  const value = toSafeValue(fields);
  if (isError) return { err: value };
  let record: Record<string, unknown>;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) record = value as Record<string, unknown>;
  else record = { fields: value };
  if ('level' in record || 'msg' in record) {
    const { level, msg, ...rest } = record;
    record = rest;
    if (level !== undefined) record._level = level;
    if (msg !== undefined) record._msg = msg;
  }
  return record;
}
