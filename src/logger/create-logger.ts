import { jsonHead, jsonLine, safeFields } from '../format/json-line.js';
import { logfmtLine } from '../format/logfmt-line.js';
import { messageToString } from '../format/safe-value.js';
import { capLine } from '../format/truncate-line.js';
import { nextTimestamp, type Timestamp } from '../loki/timestamp.js';
import type { LoggerOptions } from '../options/types.js';
import { resolveOptions, type ResolvedOptions } from '../options/resolve-options.js';
import { createBrowserDurability } from '../platform/browser-durability.js';
import { BROWSER_BUNDLE } from '../platform/build-target.js';
import { observeServerDate, type ClockOffset } from '../platform/clock-offset.js';
import { sendOnExit } from '../platform/exit-sender.js';
import { KEEPALIVE_MAX_BYTES } from '../platform/keepalive-budget.js';
import { flushBeforeExit } from '../platform/node-exit.js';
import { isOnline, onConnectivityChange, onPageExit } from '../platform/page-lifecycle.js';
import { createPipeline, type Pipeline } from '../pipeline/pipeline.js';
import type { LoggerStats } from '../pipeline/stats.js';
import { createHttpTransport } from '../transport/http-transport.js';
import { LEVELS, type LevelName } from './levels.js';

/** Fields of one entry: any values; whatever JSON cannot hold gets a visible placeholder. */
export type Fields = Record<string, unknown>;

/** Logs one entry. Never throws, never waits on I/O. */
export type LogMethod = (message: unknown, fields?: Fields | Error) => void;

export interface Logger {
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  /** The minimum level this logger writes. */
  readonly level: LevelName;
  isLevelEnabled(level: LevelName): boolean;
  /** A logger whose entries all carry `fields` (merged under the call's own fields). Shares the parent's queue. */
  child(fields: Fields): Logger;
  /**
   * Resolves once everything logged before the call is accepted by the server or dropped (and
   * counted): true, or false if `timeoutMs` passed first. Never rejects.
   */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flush within `closeTimeoutMs`, then stop timers; what is left is dropped as `closed`. Idempotent. */
  close(): Promise<void>;
  /** A snapshot of the counters: enqueued, sent, dropped by reason, batches, bytes, queued, lastError. */
  stats(): LoggerStats;
}

/** Scratch space for the timestamp of the entry being logged: the hot path allocates no object for it. */
const now: Timestamp = { ms: 0, sub: 0 };

/**
 * Creates a logger that batches entries to Loki (or a cloudlog-proxy). Throws a `ConfigError`
 * (a `TypeError`) when an option is wrong; nothing it returns ever throws.
 */
export function createLogger(options: LoggerOptions): Logger {
  const resolved = resolveOptions(options);
  const clock: ClockOffset = { ms: 0 };
  const { browser } = resolved;
  // Storage callbacks reach the pipeline created below.
  let pipelineRef: Pipeline | undefined;
  const durability =
    browser && resolved.persist
      ? createBrowserDurability({
          endpoint: resolved.url,
          maxStoredBytes: resolved.maxStoredBytes,
          maxStoredEntries: resolved.maxStoredEntries,
          onError: (error) => pipelineRef?.storageError(error),
          onEvicted: (entries) => pipelineRef?.drop('storage_full', entries),
        })
      : undefined;
  const pipeline = createPipeline({
    ...resolved,
    streamJson: JSON.stringify(resolved.labels),
    transport: createHttpTransport({
      url: resolved.url,
      headers: resolved.headers,
      timeoutMs: resolved.requestTimeoutMs,
      compression: resolved.compression,
      fetch: resolved.fetch,
      onServerDate: (serverDateMs, sentAtMs, receivedAtMs) => observeServerDate(clock, serverDateMs, sentAtMs, receivedAtMs),
    }),
    breaker: { failureThreshold: resolved.breakerThreshold, openMs: resolved.breakerOpenMs, maxOpenMs: resolved.retryMaxMs },
    dropNotice: (dropped, total) => {
      const msg = `cloudlog dropped ${total} log entries`;
      const fields = { dropped, droppedTotal: total };
      return resolved.format === 'json' ? jsonLine(jsonHead('warn', msg), fields) : logfmtLine('warn', msg, fields);
    },
    durability,
    sendOnExit: browser ? (batch) => sendOnExit(resolved.url, batch, resolved.fetch) : undefined,
    // Two exit batches fit the page's shared keepalive budget, JSON escaping included.
    maxExitBatchBytes: KEEPALIVE_MAX_BYTES * 0.4,
    clock,
  });
  pipelineRef = pipeline;

  const detach: (() => void)[] = [];
  if (browser) {
    detach.push(onPageExit(() => pipeline.pageExit()));
    detach.push(onConnectivityChange((online) => pipeline.setOnline(online)));
    if (!isOnline()) pipeline.setOnline(false);
    // What earlier pages of the origin left behind goes out first.
    void pipeline.adoptStored();
  } else if (!BROWSER_BUNDLE && resolved.flushOnExit) {
    detach.push(flushBeforeExit(() => pipeline.stats().queued > 0, (timeoutMs) => pipeline.flush(timeoutMs), resolved.closeTimeoutMs));
  }
  const close = () => {
    for (const remove of detach.splice(0)) remove();
    return pipeline.close();
  };
  return makeLogger(resolved, pipeline, close, clock, resolved.fields === undefined ? undefined : snapshotFields(resolved.fields));
}

function makeLogger(options: ResolvedOptions, pipeline: Pipeline, close: () => Promise<void>, clock: ClockOffset, bindings: Fields | undefined): Logger {
  const minLevel = LEVELS[options.level];
  const method = (name: LevelName): LogMethod => {
    const level = LEVELS[name];
    // A disabled level is a no-op: nothing is captured, allocated or serialized (pino's setLevel).
    if (level < minLevel) return noop;
    const { format, maxLineBytes } = options;
    // A call site logs the same message again and again: its JSON is kept (bench/hot-path.mjs).
    let lastMsg = '';
    let lastHead = jsonHead(name, lastMsg);
    return (message, fields) => {
      try {
        // Captured now, on the server's clock (browser clocks are often wrong; see clock-offset.ts).
        nextTimestamp(Date.now() + clock.ms, now);
        let msg: string;
        if (typeof message === 'string') msg = message;
        else {
          msg = messageToString(message);
          // `log.error(err)`: keep the whole error, not just its message (pino does the same).
          if (message instanceof Error && fields == null) fields = { err: message };
        }
        const entryFields = fields == null ? bindings : bindings === undefined ? (fields as Fields) : merge(bindings, fields);
        let line: string;
        if (format === 'json') {
          if (msg !== lastMsg) {
            lastMsg = msg;
            lastHead = jsonHead(name, msg);
          }
          line = jsonLine(lastHead, entryFields);
        } else line = logfmtLine(name, msg, entryFields);
        pipeline.enqueue(now.ms, now.sub, capLine(line, maxLineBytes, format, name, msg), level);
      } catch {
        // Unreachable by design (every step above is total); if it happens, count it, never throw.
        pipeline.drop('rejected', 1);
      }
    };
  };

  return {
    trace: method('trace'),
    debug: method('debug'),
    info: method('info'),
    warn: method('warn'),
    error: method('error'),
    fatal: method('fatal'),
    level: options.level,
    isLevelEnabled: (level) => LEVELS[level] >= minLevel,
    child(fields) {
      if (fields == null || typeof fields !== 'object') return makeLogger(options, pipeline, close, clock, bindings);
      const own = snapshotFields(fields);
      return makeLogger(options, pipeline, close, clock, bindings === undefined ? own : { ...bindings, ...own });
    },
    flush: (timeoutMs) => pipeline.flush(timeoutMs),
    close,
    stats: () => pipeline.stats(),
  };
}

function noop(): void {}

/** Bound fields are copied when bound, so later mutation of the caller's object does not leak into entries. */
function snapshotFields(fields: object): Fields {
  return safeFields(fields);
}

/** The call's fields win over bound ones. Errors and exotic objects are made safe before spreading. */
function merge(bindings: Fields, fields: object): Fields {
  const proto = Object.getPrototypeOf(fields);
  if (proto === Object.prototype || proto === null) {
    try {
      return { ...bindings, ...fields };
    } catch {
      // A throwing getter: fall through to the safe copy.
    }
  }
  return { ...bindings, ...safeFields(fields) };
}
