import { ConfigError } from '../errors.js';
import { formatEntry } from './format-entry.js';
import type { PreparedPush, PushTarget, TargetResult, ValidatedPush } from './push-target.js';

/** Where the sink prints: `process.stdout`, or anything with `write`. */
export interface SinkOutput {
  /** Returns false when its buffer is full (Node streams); the sink then waits for `drain`. */
  write(text: string): unknown;
  once?(event: 'drain', listener: () => void): unknown;
  isTTY?: boolean;
}

export interface LocalSinkOptions {
  /** Where entries are printed, one readable line each; `false` prints nothing. @default process.stdout */
  output?: SinkOutput | false;
  /** Colour levels (ANSI). @default output.isTTY, unless NO_COLOR is set */
  color?: boolean;
  /** A file every entry is appended to, as one JSON object per line (NDJSON). @default undefined (none) */
  file?: string;
  /** How the file is appended to. @default Node's `fs.promises.appendFile` */
  appendFile?: (path: string, text: string) => Promise<void>;
}

interface SinkPush extends PreparedPush {
  push: ValidatedPush;
}

type AppendFile = (path: string, text: string) => Promise<void>;

/**
 * The embedded local sink: what the proxy stores to when no Loki is configured, so a newcomer sees
 * logs arrive without running Loki. It gets pushes after the same validation as the way to Loki.
 *
 * Each NDJSON record is `{"ts":"<ns>","time":"<ISO>","labels":{…},"line":"…"}` (plus `metadata`
 * when sent): the line as Loki would store it, and a time to read. Writes go in order, one
 * append per push; a push is answered 204 only once its append is done.
 */
export function createLocalSink(options: LocalSinkOptions = {}): PushTarget {
  const output = options.output === undefined ? defaultOutput() : options.output;
  if (output !== false && (typeof output !== 'object' || output === null || typeof output.write !== 'function')) {
    throw new ConfigError('cloudlog-proxy: `output` of createLocalSink must have a write(text) method (like process.stdout), or be false.');
  }
  const color = options.color ?? (output !== false && output.isTTY === true && !noColor());
  const file = options.file;
  if (file !== undefined && (typeof file !== 'string' || file === '')) {
    throw new ConfigError('cloudlog-proxy: `file` of createLocalSink must be a file path, like "cloudlog-sink.ndjson".');
  }
  const append = file === undefined ? undefined : (options.appendFile ?? nodeAppendFile());
  let writes: Promise<unknown> = Promise.resolve();

  return {
    description: `the local sink (${[output === false ? undefined : 'terminal', file].filter(Boolean).join(' + ') || 'discarding'})`,
    async prepare(push) {
      return { entries: push.entries, bytes: 0, push } satisfies SinkPush;
    },
    async send(prepared): Promise<TargetResult> {
      const { push } = prepared as SinkPush;
      if (output !== false) {
        let text = '';
        for (const stream of push.streams) for (const [ts, line] of stream.values) text += `${formatEntry(ts, line, stream.labels, color)}\n`;
        // A terminal slower than the pushes: answer once it has caught up, rather than buffer without bound.
        if (output.write(text) === false && typeof output.once === 'function') await new Promise((resolve) => output.once!('drain', () => resolve(undefined)));
      }
      if (append === undefined || file === undefined) return { kind: 'stored' };
      let records = '';
      for (const stream of push.streams) {
        for (const [ts, line, metadata] of stream.values) {
          records += `${JSON.stringify({ ts, time: isoTime(ts), labels: stream.labels, line, ...(metadata ? { metadata } : {}) })}\n`;
        }
      }
      const written = writes.then(() => append(file, records));
      writes = written.catch(() => undefined);
      try {
        await written;
        return { kind: 'stored' };
      } catch (error) {
        return { kind: 'retry', status: 503, retryAfterSeconds: 5, message: `the local sink could not write ${file}: ${error instanceof Error ? error.message : String(error)}` };
      }
    },
    async close() {
      await writes;
    },
  };
}

function isoTime(ts: string): string {
  const date = new Date(ts.length > 6 ? Number(ts.slice(0, -6)) : 0);
  return Number.isNaN(date.getTime()) ? '' : date.toISOString();
}

type NodeProcess = { stdout?: SinkOutput; env?: Record<string, string | undefined>; getBuiltinModule?: (name: string) => unknown };

function nodeProcess(): NodeProcess | undefined {
  return (globalThis as { process?: NodeProcess }).process;
}

function defaultOutput(): SinkOutput | false {
  return nodeProcess()?.stdout ?? false;
}

function noColor(): boolean {
  const value = nodeProcess()?.env?.['NO_COLOR'];
  return value !== undefined && value !== '';
}

/** Node's appendFile, taken without an import (see codec.ts): this module also loads in Workers. */
function nodeAppendFile(): AppendFile {
  const fs = nodeProcess()?.getBuiltinModule?.('node:fs') as { promises: { appendFile: AppendFile } } | undefined;
  if (fs === undefined) {
    throw new ConfigError('cloudlog-proxy: writing the sink `file` needs Node ≥ 20.16 (process.getBuiltinModule); pass `appendFile` to createLocalSink, or leave out `file`.');
  }
  return (path, text) => fs.promises.appendFile(path, text);
}
