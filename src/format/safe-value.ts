import { toWellFormed } from './utf8.js';

/**
 * The slow path of line building: turns any JavaScript value into one that `JSON.stringify`
 * encodes faithfully and without throwing. Runs only when the fast path (`isPlainJson`) declines,
 * so it may be thorough. Every value that JSON would lose or choke on gets a visible placeholder.
 */

const MAX_DEPTH = 10;
const MAX_KEYS = 1000;
const MAX_ITEMS = 1000;

export function toSafeValue(value: unknown): unknown {
  return safe(value, 0, []);
}

function safe(value: unknown, depth: number, seen: object[]): unknown {
  switch (typeof value) {
    case 'string':
      return toWellFormed(value);
    case 'number':
      return Number.isFinite(value) ? value : String(value);
    case 'boolean':
      return value;
    case 'bigint':
      return `${value}n`;
    case 'undefined':
      return undefined;
    case 'symbol':
      return `[${symbolName(value)}]`;
    case 'function':
      return `[Function ${(value as { name?: string }).name || 'anonymous'}]`;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.includes(object)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Depth limit]';
  seen.push(object);
  try {
    return safeObject(object, depth + 1, seen);
  } catch (error) {
    return `[Unserializable: ${thrownMessage(error)}]`;
  } finally {
    seen.pop();
  }
}

function safeObject(object: object, depth: number, seen: object[]): unknown {
  if (object instanceof Error || Object.prototype.toString.call(object) === '[object Error]') return safeError(object as Error, depth, seen);
  if (object instanceof Date) return Number.isNaN(object.getTime()) ? 'Invalid Date' : object.toISOString();
  if (Array.isArray(object)) return safeItems(object, depth, seen);
  if (object instanceof Map) {
    const out: Record<string, unknown> = {};
    let n = 0;
    for (const [key, item] of object) {
      if (n++ >= MAX_KEYS) break;
      out[typeof key === 'string' ? key : stringifyKey(key)] = safe(item, depth, seen);
    }
    return out;
  }
  if (object instanceof Set) return safeItems(Array.from(object), depth, seen);
  if (ArrayBuffer.isView(object)) {
    if (object instanceof DataView) return `[DataView ${object.byteLength} bytes]`;
    return safeItems(Array.from(object as unknown as ArrayLike<number | bigint>), depth, seen);
  }
  if (object instanceof ArrayBuffer) return `[ArrayBuffer ${object.byteLength} bytes]`;
  if (object instanceof WeakMap || object instanceof WeakSet) return `[${object.constructor.name}]`;
  if (typeof (object as { then?: unknown }).then === 'function') return '[Promise]';
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return safe(toJSON.call(object), depth, seen);
  return safeProperties(object, {}, depth, seen);
}

function safeItems(items: readonly unknown[], depth: number, seen: object[]): unknown[] {
  const out: unknown[] = [];
  const n = Math.min(items.length, MAX_ITEMS);
  for (let i = 0; i < n; i++) {
    const item = safe(readSafely(() => items[i]), depth, seen);
    out.push(item === undefined ? null : item);
  }
  if (items.length > MAX_ITEMS) out.push(`[… ${items.length - MAX_ITEMS} more items]`);
  return out;
}

function safeProperties(object: object, out: Record<string, unknown>, depth: number, seen: object[]): Record<string, unknown> {
  let n = 0;
  for (const key of Object.keys(object)) {
    if (n++ >= MAX_KEYS) {
      out['…'] = `[${Object.keys(object).length - MAX_KEYS} more keys]`;
      break;
    }
    const item = safe(readSafely(() => (object as Record<string, unknown>)[key]), depth, seen);
    if (item !== undefined) out[toWellFormed(key)] = item;
  }
  for (const symbol of Object.getOwnPropertySymbols(object)) {
    if (!Object.prototype.propertyIsEnumerable.call(object, symbol)) continue;
    const item = safe(readSafely(() => (object as Record<symbol, unknown>)[symbol]), depth, seen);
    if (item !== undefined) out[`[${symbolName(symbol)}]`] = item;
  }
  return out;
}

/**
 * Errors: `JSON.stringify(new Error('x'))` is `{}`. We keep what a reader of the log needs:
 * name, message, stack, `cause` (recursively), `AggregateError.errors`, and own fields like `code`.
 */
function safeError(error: Error, depth: number, seen: object[]): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: safe(readSafely(() => error.name), depth, seen),
    message: safe(readSafely(() => error.message), depth, seen),
  };
  const stack = readSafely(() => error.stack);
  if (stack !== undefined) out.stack = safe(stack, depth, seen);
  safeProperties(error, out, depth, seen);
  const cause = readSafely(() => (error as { cause?: unknown }).cause);
  if (cause !== undefined) out.cause = safe(cause, depth, seen);
  const errors = readSafely(() => (error as { errors?: unknown }).errors);
  if (Array.isArray(errors)) out.errors = safeItems(errors, depth, seen);
  return out;
}

/** Getters and Proxy traps may throw; the entry is kept with the failure written in place. */
function readSafely(read: () => unknown): unknown {
  try {
    return read();
  } catch (error) {
    return `[Thrown: ${thrownMessage(error)}]`;
  }
}

function thrownMessage(error: unknown): string {
  try {
    if (error instanceof Error) return error.message;
    return String(error);
  } catch {
    return 'unknown';
  }
}

function symbolName(symbol: symbol): string {
  return `Symbol(${symbol.description ?? ''})`;
}

function stringifyKey(key: unknown): string {
  const value = safe(key, MAX_DEPTH - 1, []);
  return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
}

/**
 * A message may be anything; the line's `msg` is always a string. An Error gives its
 * `name: message` (its details go in the fields when logged as a field).
 */
export function messageToString(message: unknown): string {
  if (typeof message === 'string') return message;
  try {
    if (message instanceof Error) return toWellFormed(`${message.name}: ${message.message}`);
    const value = toSafeValue(message);
    if (typeof value === 'string') return value;
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '[Unserializable message]';
  }
}
