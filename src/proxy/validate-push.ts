import { toWellFormed, utf8ByteLength } from '../format/utf8.js';
import {
  canonicalNanoseconds,
  compareNanoseconds,
  formatNanosecondsIso,
  msToNanoseconds,
  nanosecondsDifference,
  shiftNanoseconds,
} from './nanoseconds.js';
import type { PushValue, ValidatedPush, ValidStream } from './push-target.js';
import { refuse, type Refusal } from './refusal.js';
import { Rejections, type EntryRejectReason } from './rejections.js';

/** The rules a push must pass: Loki's (brief §3) and the operator's. Resolved from `ProxyOptions`. */
export interface PushPolicy {
  readonly maxStreams: number;
  readonly maxEntries: number;
  readonly maxLabels: number;
  readonly maxLabelNameLength: number;
  readonly maxLabelValueLength: number;
  readonly maxLineBytes: number;
  readonly allowedLabels: ReadonlySet<string> | undefined;
  readonly forcedLabels: Readonly<Record<string, string>>;
  readonly maxEntryAgeMs: number;
  readonly maxFutureMs: number;
  readonly futureTimestamps: 'clamp' | 'reject';
}

export type PushValidation =
  | { ok: false; refusal: Refusal }
  | {
      ok: true;
      /** What passed: the part to forward. */
      push: ValidatedPush;
      /** Entries in the request as sent. */
      received: number;
      /** Entries whose timestamps were moved back (`futureTimestamps: 'clamp'`). */
      clamped: number;
      rejections: Rejections;
    };

/** Loki parses a stream's labels as a LogQL selector: names are Prometheus identifiers. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

const EXAMPLE = '{"streams":[{"stream":{"service_name":"web"},"values":[["1700000000000000000","a line"]]}]}';

/**
 * The one validation of a push, shared by the path to Loki and the embedded sink, so the sink
 * shows exactly what Loki would be sent.
 *
 * Like Loki, a malformed body fails as a whole (400, nothing forwarded), while problems with a
 * stream's labels or an entry refuse only those entries: the rest is forwarded, and the answer is
 * a 400 that names every problem (Loki's "partly stored"). Too many streams or entries is a 413,
 * which the SDK answers by splitting the batch. Lines and label values are made well-formed UTF-16
 * (a lone surrogate fails a whole push in Loki: loki-vectors case "lone surrogate escape in line").
 */
export function validatePush(text: string, policy: PushPolicy, nowMs: number): PushValidation {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return invalid(refuse(400, 'invalid_json', `the body is not JSON (${(error as Error).message}); send a Loki push like ${EXAMPLE}`));
  }
  if (!isRecord(doc)) return shapeError(`the body must be a JSON object like ${EXAMPLE}`);
  const rawStreams = doc['streams'];
  if (rawStreams === undefined || rawStreams === null) return empty();
  if (!Array.isArray(rawStreams)) return shapeError('"streams" must be an array');
  if (rawStreams.length > policy.maxStreams) {
    return invalid(refuse(413, 'too_many_streams', `${rawStreams.length} streams in one push; at most ${policy.maxStreams}: split it`));
  }

  // Count first, so an oversized push is refused before any per-entry work.
  let received = 0;
  for (let i = 0; i < rawStreams.length; i++) {
    const stream: unknown = rawStreams[i];
    if (!isRecord(stream)) return shapeError(`streams[${i}] must be an object like {"stream":{…},"values":[…]}`);
    const values = stream['values'];
    if (values === undefined || values === null) continue;
    if (!Array.isArray(values)) return shapeError(`streams[${i}].values must be an array of ["<ns timestamp>", "<line>"]`);
    received += values.length;
  }
  if (received > policy.maxEntries) {
    return invalid(refuse(413, 'too_many_entries', `${received} entries in one push; at most ${policy.maxEntries}: split it`));
  }

  const oldestNs = msToNanoseconds(nowMs - policy.maxEntryAgeMs);
  const newestNs = msToNanoseconds(nowMs + policy.maxFutureMs);
  const clamp = policy.futureTimestamps === 'clamp';
  const rejections = new Rejections();
  const streams: ValidStream[] = [];
  let entries = 0;
  let newestKept: string | undefined;

  for (let i = 0; i < rawStreams.length; i++) {
    const stream = rawStreams[i] as Record<string, unknown>;
    const rawValues = (stream['values'] ?? []) as unknown[];
    // Loki skips streams without entries before it looks at their labels.
    if (rawValues.length === 0) continue;
    const labels = checkLabels(stream['stream'], `streams[${i}]`, policy);
    if ('shape' in labels) return shapeError(labels.shape);

    // Shape errors anywhere fail the whole request (Loki's decoder), so read every entry first.
    const values: PushValue[] = new Array<PushValue>(rawValues.length);
    for (let j = 0; j < rawValues.length; j++) {
      const value = readEntry(rawValues[j], i, j);
      if (typeof value === 'string') return shapeError(value);
      values[j] = value;
    }
    const where = `stream ${renderLabels(stream['stream'])}`;
    if ('problem' in labels) {
      rejections.add(labels.reason, values.length, `${where}: ${labels.problem} (${plural(values.length, 'entry', 'entries')} refused)`);
      continue;
    }

    const problems = new StreamProblems();
    const kept: PushValue[] = [];
    for (const value of values) {
      const [ts, line] = value;
      if (line === '') {
        problems.add('empty_line', '');
        continue;
      }
      if (compareNanoseconds(ts, oldestNs) < 0) {
        problems.add('timestamp_too_old', ts);
        continue;
      }
      if (!clamp && compareNanoseconds(ts, newestNs) > 0) {
        problems.add('timestamp_too_new', ts);
        continue;
      }
      // UTF-8 is at most 3 bytes per UTF-16 unit: only long lines need measuring.
      if (line.length * 3 > policy.maxLineBytes) {
        const bytes = utf8ByteLength(line);
        if (bytes > policy.maxLineBytes) {
          problems.add('line_too_long', String(bytes));
          continue;
        }
      }
      value[1] = toWellFormed(line);
      if (newestKept === undefined || compareNanoseconds(ts, newestKept) > 0) newestKept = ts;
      kept.push(value);
    }
    problems.report(rejections, where, policy, oldestNs, newestNs);
    if (kept.length > 0) {
      streams.push({ labels: labels.labels, values: kept });
      entries += kept.length;
    }
  }

  let clamped = 0;
  if (clamp && newestKept !== undefined && compareNanoseconds(newestKept, newestNs) > 0) {
    // A clock that runs ahead: move the whole push back so its newest entry is now. A shift keeps
    // order and spacing; clamping each entry to "now" would give them one timestamp, and Loki
    // merges entries of a stream with the same timestamp and line.
    const shift = nanosecondsDifference(newestKept, msToNanoseconds(nowMs));
    const shifted = clampStreams(streams, shift, oldestNs, rejections);
    clamped = shifted.clamped;
    entries -= shifted.refused;
  }
  return { ok: true, push: { streams: streams.filter((s) => s.values.length > 0), entries }, received, clamped, rejections };
}

/** Shifts every entry back by `shift` ns; entries that then fall before `oldestNs` are refused. */
function clampStreams(streams: ValidStream[], shift: bigint, oldestNs: string, rejections: Rejections): { clamped: number; refused: number } {
  let clamped = 0;
  let refused = 0;
  for (const stream of streams) {
    const kept: PushValue[] = [];
    for (const value of stream.values) {
      value[0] = shiftNanoseconds(value[0], shift);
      if (compareNanoseconds(value[0], oldestNs) < 0) refused++;
      else {
        kept.push(value);
        clamped++;
      }
    }
    stream.values = kept;
  }
  rejections.add('timestamp_too_old', refused, refused > 0 ? `${plural(refused, 'entry', 'entries')} too old once the push was moved back to the proxy's clock (the client's clock is far off)` : undefined);
  return { clamped, refused };
}

/** Entry problems of one stream, counted per reason with one example each, reported as one message per reason. */
class StreamProblems {
  readonly #counts = new Map<EntryRejectReason, { count: number; example: string }>();

  add(reason: EntryRejectReason, example: string): void {
    const seen = this.#counts.get(reason);
    if (seen === undefined) this.#counts.set(reason, { count: 1, example });
    else seen.count++;
  }

  report(rejections: Rejections, where: string, policy: PushPolicy, oldestNs: string, newestNs: string): void {
    for (const [reason, { count, example }] of this.#counts) {
      const entries = plural(count, 'entry', 'entries');
      switch (reason) {
        case 'empty_line':
          // Loki answers 204 and stores nothing: counted, not reported.
          rejections.add(reason, count, undefined);
          break;
        case 'timestamp_too_old':
          rejections.add(reason, count, `${where}: ${entries} with timestamp too old (like ${formatNanosecondsIso(example)}; oldest accepted ${formatNanosecondsIso(oldestNs)})`);
          break;
        case 'timestamp_too_new':
          rejections.add(reason, count, `${where}: ${entries} with timestamp too new (like ${formatNanosecondsIso(example)}; newest accepted ${formatNanosecondsIso(newestNs)})`);
          break;
        case 'line_too_long':
          rejections.add(reason, count, `${where}: ${entries} with a line over ${policy.maxLineBytes} bytes (like one of ${example} bytes)`);
          break;
        default:
          rejections.add(reason, count, `${where}: ${entries} refused (${reason})`);
      }
    }
  }
}

type LabelCheck =
  | { labels: Record<string, string> }
  | { reason: EntryRejectReason; problem: string }
  | { shape: string };

/** A stream's labels under the policy: Loki's rules, then the allowlist, then forced labels. */
function checkLabels(raw: unknown, where: string, policy: PushPolicy): LabelCheck {
  if (raw !== undefined && raw !== null && !isRecord(raw)) return { shape: `${where}.stream must be an object of label names to string values` };
  // No prototype: a label named "__proto__" stays a label.
  const labels = Object.create(null) as Record<string, string>;
  let problem: { reason: EntryRejectReason; problem: string } | undefined;
  for (const name of Object.keys(raw ?? {})) {
    const value = (raw as Record<string, unknown>)[name];
    // Loki reads a JSON null label value as "", then drops it.
    if (value === null || value === '') continue;
    if (typeof value !== 'string') return { shape: `${where}.stream label ${JSON.stringify(name)} must be a string, not ${typeof value}` };
    if (problem !== undefined) continue;
    if (!LABEL_NAME.test(name)) {
      problem = { reason: 'label_invalid', problem: `label name ${quote(name)} is not valid: Loki label names match [a-zA-Z_][a-zA-Z0-9_]*` };
    } else if (name.length > policy.maxLabelNameLength) {
      problem = { reason: 'label_name_too_long', problem: `label name ${quote(name)} is ${name.length} bytes; at most ${policy.maxLabelNameLength}` };
    } else if (policy.allowedLabels !== undefined && !policy.allowedLabels.has(name) && !Object.hasOwn(policy.forcedLabels, name)) {
      problem = { reason: 'label_not_allowed', problem: `label ${quote(name)} is not allowed (allowed: ${[...policy.allowedLabels].join(', ')})` };
    } else if (value.length > policy.maxLabelValueLength / 3 && utf8ByteLength(value) > policy.maxLabelValueLength) {
      problem = { reason: 'label_value_too_long', problem: `label ${quote(name)} has a value of ${utf8ByteLength(value)} bytes; at most ${policy.maxLabelValueLength}` };
    } else labels[name] = toWellFormed(value);
  }
  if (problem !== undefined) return problem;
  for (const name of Object.keys(policy.forcedLabels)) labels[name] = policy.forcedLabels[name]!;
  const count = Object.keys(labels).length;
  if (count === 0) return { reason: 'no_labels', problem: 'no labels: Loki needs at least one non-empty label per stream, like service_name' };
  if (count > policy.maxLabels) {
    return { reason: 'too_many_labels', problem: `${count} labels; at most ${policy.maxLabels}. Keep labels few and static; put per-event values in the line` };
  }
  return { labels };
}

/** One `[ts, line]` or `[ts, line, metadata]`, or what is wrong with it. */
function readEntry(raw: unknown, i: number, j: number): PushValue | string {
  const where = `streams[${i}].values[${j}]`;
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) return `${where} must be ["<ns timestamp>", "<line>"] or ["<ns timestamp>", "<line>", {metadata}]`;
  const ts: unknown = raw[0];
  if (typeof ts !== 'string') return `${where}: the timestamp must be a string of nanoseconds, like "1700000000000000000", not ${typeof ts}`;
  const canonical = canonicalNanoseconds(ts);
  if (canonical === undefined) return `${where}: the timestamp ${quote(ts)} is not a whole number of nanoseconds since the epoch`;
  const line: unknown = raw[1];
  if (typeof line !== 'string') return `${where}: the line must be a string, not ${line === null ? 'null' : typeof line}`;
  if (raw.length === 2) return [canonical, line];
  const metadata: unknown = raw[2];
  if (!isRecord(metadata) || Object.values(metadata).some((v) => typeof v !== 'string')) return `${where}: structured metadata must be an object of strings`;
  return [canonical, line, metadata as Record<string, string>];
}

/** `{name="value", …}` for messages, each part cut short: never echo a 2 KB value back. */
function renderLabels(raw: unknown): string {
  if (!isRecord(raw)) return '{}';
  const parts = Object.keys(raw)
    .slice(0, 16)
    .map((name) => `${cut(name, 40)}=${JSON.stringify(cut(String(raw[name]), 40))}`);
  return `{${parts.join(', ')}${Object.keys(raw).length > 16 ? ', …' : ''}}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

function quote(text: string): string {
  return JSON.stringify(cut(text, 64));
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(refusal: Refusal): PushValidation {
  return { ok: false, refusal };
}

function shapeError(message: string): PushValidation {
  return invalid(refuse(400, 'invalid_push', `not a Loki push: ${message}`));
}

function empty(): PushValidation {
  return { ok: true, push: { streams: [], entries: 0 }, received: 0, clamped: 0, rejections: new Rejections() };
}
