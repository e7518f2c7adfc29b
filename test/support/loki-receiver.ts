/**
 * A real HTTP server that speaks Loki's push API (`POST /loki/api/v1/push`) and
 * enforces Loki's validation rules the way a real Loki does, so SDK tests can
 * assert on what Loki would *store*, not just on what the SDK *sent*.
 *
 * Ground truth: /work/shared/loki-vectors/push-loki-2.8.json (42 push cases
 * recorded against Loki 2.8.0). Every rule below cites the vector case it comes
 * from ("vector: <case name>"). Rules marked "Loki 3" come from Loki 3.x source
 * (pkg/validation/validate.go, pkg/distributor/validator.go, pkg/loghttp/push)
 * and are NOT covered by the recorded vectors.
 *
 * Processing pipeline (the order decides which message wins — it follows Loki):
 *   1. HTTP: Content-Encoding (gzip/deflate/snappy/none), body size (flavor 3).
 *   2. Content-Type: application/json → JSON; anything else → snappy protobuf.
 *   3. JSON decode (whole request fails with 400, nothing stored).
 *   4. Label-selector syntax of every stream (whole request fails, nothing stored).
 *   5. Distributor, per stream: labels (missing / count / name & value length),
 *      then per entry: too old / too new / line too long / structured metadata.
 *      These are partial failures: the valid rest of the push is stored.
 *   6. Ingester, per stream: duplicate merge, "entry too far behind", store.
 *   Answer: ingester error, else last validation error (400), else 204.
 *
 * Timestamps are nanosecond BigInts everywhere; they are never turned into Numbers
 * except to format whole seconds for messages.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateRawSync } from 'node:zlib';

// ───────────────────────────── public API ─────────────────────────────

export interface StoredEntry {
  /** canonical nanosecond decimal, no leading zeros */
  ts: string;
  line: string;
  stream: Record<string, string>;
  metadata?: Record<string, string>;
}

export interface ReceivedRequest {
  headers: Record<string, string | string[] | undefined>;
  /** bytes on the wire (request body as sent, before Content-Encoding decoding) */
  rawBytes: number;
  /** body bytes after Content-Encoding decoding (0 when decoding was not reached or failed) */
  decodedBytes: number;
  status: number;
  responseBody: string;
  /** Date.now() when the request arrived (not the injectable `now` clock) */
  receivedAt: number;
}

export interface LokiReceiverOptions {
  flavor?: '2.8' | '3';
  /** ms clock for the timestamp window, default Date.now */
  now?: () => number;
  /**
   * Request bodies (on the wire or after decompression) larger than this answer 413.
   * Default: 5 MiB for flavor '3'; unlimited for flavor '2.8' (the vectors never hit a limit).
   */
  maxBodyBytes?: number;
  /**
   * Override the status for the next requests: a hook for fault tests. Return a
   * Response-like {status, body, headers} to answer instead of processing (nothing
   * stored), or undefined to process normally. Called for every POST to the push path.
   */
  intercept?: (req: {
    headers: Record<string, string | string[] | undefined>;
    body: Buffer;
  }) =>
    | { status: number; body?: string; headers?: Record<string, string> }
    | undefined
    | Promise<{ status: number; body?: string; headers?: Record<string, string> } | undefined>;
}

export interface LokiReceiver {
  /** full push URL, http://127.0.0.1:PORT/loki/api/v1/push */
  readonly url: string;
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /**
   * Every stored entry after Loki-style merging, grouped by stream then sorted by ts
   * (BigInt compare) then line — like a query_range. Optional filter: entries whose
   * stream contains all the given label pairs.
   */
  entries(match?: Record<string, string>): StoredEntry[];
  /** Every POST to the push path, in arrival order (preflights and /ready are not recorded). */
  readonly requests: ReceivedRequest[];
  /**
   * Resolves once at least n entries (matching `match`) are stored, rejects after
   * timeoutMs (default 10 s) with a message saying how many arrived.
   */
  waitForEntries(
    n: number,
    opts?: { match?: Record<string, string>; timeoutMs?: number },
  ): Promise<StoredEntry[]>;
  /** Forget stored entries, per-stream ingester state and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

// ───────────────────────────── Loki limits ─────────────────────────────

const PUSH_PATH = '/loki/api/v1/push';
const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const HOUR_NS = 3600n * NS_PER_S;
/** reject_old_samples_max_age: 168h (vector: "entry older than 7 days") */
const REJECT_OLD_SAMPLES_MAX_AGE_NS = 168n * HOUR_NS;
/** creation_grace_period: 10m (vectors: "entry 11 minutes in the future" / "... 9 minutes ...") */
const CREATION_GRACE_PERIOD_NS = 10n * 60n * NS_PER_S;
/** max_chunk_age 2h → unordered-writes window = max_chunk_age / 2 (vector: "entry 2 h behind the newest of its stream") */
const OUT_OF_ORDER_WINDOW_NS = HOUR_NS;
/** max_label_name_length (vector: "label name 1025 chars") */
const MAX_LABEL_NAME_LENGTH = 1024;
/** max_label_value_length (vectors: "label value 2049 chars" / "... 2048 chars") */
const MAX_LABEL_VALUE_LENGTH = 2048;
/** ingester max_returned_stream_errors */
const MAX_RETURNED_ERRORS = 10;
/** Loki 3: max_structured_metadata_size 64KB, max_structured_metadata_entries_count 128 */
const MAX_STRUCTURED_METADATA_SIZE = 64 * 1024;
const MAX_STRUCTURED_METADATA_COUNT = 128;
/** With auth_enabled: false every push belongs to tenant "fake" (vector: "entry 2 h behind ..."). */
const TENANT = 'fake';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Go's zero time.Time (0001-01-01T00:00:00Z) in ns: what a value array without a timestamp decodes to. */
const GO_ZERO_TIME_NS = -62_135_596_800n * NS_PER_S;

interface FlavorLimits {
  /** max_label_names_per_series: 30 in 2.8 (vector: "31 labels"), 15 in Loki 3 */
  maxLabelNames: number;
  /** max_line_size: 0 (off) in 2.8 (vector: "1 MiB line"), 256KB = 262144 bytes in Loki 3 */
  maxLineSize: number;
  defaultMaxBodyBytes: number;
}

const FLAVORS: Record<'2.8' | '3', FlavorLimits> = {
  '2.8': { maxLabelNames: 30, maxLineSize: 0, defaultMaxBodyBytes: Number.POSITIVE_INFINITY },
  '3': { maxLabelNames: 15, maxLineSize: 262_144, defaultMaxBodyBytes: 5 * 1024 * 1024 },
};

// ───────────────────────────── internals ─────────────────────────────

type Flavor = '2.8' | '3';
type Labels = Record<string, string>;

/** An HTTP answer: status + text body. */
interface Answer {
  status: number;
  body: string;
}

class PushError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface ParsedEntry {
  ts: bigint;
  line: string;
  metadata: Labels | undefined;
}

interface ParsedStream {
  /** label pairs as sent, sorted by name, empty values included */
  pairs: Array<[string, string]>;
  entries: ParsedEntry[];
}

interface StreamState {
  labels: Labels;
  key: string;
  /** newest timestamp accepted so far (ingester `highestTs`), null before the first entry */
  highestTs: bigint | null;
  /** last appended (ts, line) — the ingester's cheap consecutive-duplicate check */
  lastLine: { ts: bigint; line: string } | null;
  /** ts → line → metadata (first one wins) */
  byTs: Map<bigint, Map<string, Labels | undefined>>;
  size: number;
}

interface Waiter {
  n: number;
  match: Labels | undefined;
  resolve: (entries: StoredEntry[]) => void;
  reject: (err: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

// ── Go-compatible formatting ──

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Go `t.UTC().Format(time.RFC3339)`: whole seconds (floored), "Z". */
function rfc3339(ns: bigint): string {
  const s = floorDiv(ns, NS_PER_S);
  return new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Go `time.Time.String()` in a UTC process: "2026-11-24 07:02:56.321 +0000 UTC". */
function goTimeString(ns: bigint): string {
  const s = floorDiv(ns, NS_PER_S);
  const frac = ns - s * NS_PER_S;
  const base = new Date(Number(s) * 1000).toISOString().slice(0, 19).replace('T', ' ');
  const fracText = frac === 0n ? '' : '.' + frac.toString().padStart(9, '0').replace(/0+$/, '');
  return `${base}${fracText} +0000 UTC`;
}

const GO_PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;

/** Go `strconv.Quote`, used by Loki/Prometheus to render label values. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (GO_PRINTABLE.test(ch)) out += ch;
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\v') out += '\\v';
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + cp.toString(16).padStart(2, '0');
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0');
    else out += '\\U' + cp.toString(16).padStart(8, '0');
  }
  return out + '"';
}

/** Prometheus `labels.Labels.String()`: `{a="1", b="2"}`, pairs already sorted. */
function renderLabels(pairs: ReadonlyArray<readonly [string, string]>): string {
  return '{' + pairs.map(([k, v]) => `${k}=${goQuote(v)}`).join(', ') + '}';
}

/** Go sorts strings bytewise = by code point; JS `<` compares UTF-16 units. */
function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next();
    const y = ib.next();
    if (x.done) return y.done ? 0 : -1;
    if (y.done) return 1;
    const cx = x.value.codePointAt(0) ?? 0;
    const cy = y.value.codePointAt(0) ?? 0;
    if (cx !== cy) return cx < cy ? -1 : 1;
  }
}

function byteLength(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

// ── request decoding ──

/**
 * Raw (block-format) snappy validation, as done by Go's snappy.Decode. Returns the
 * decoded bytes, or null when the input is corrupt.
 * Loki decodes every non-JSON content type as snappy protobuf
 * (vectors: "no content-type", "text/plain JSON body" → 400 "snappy: corrupt input").
 */
function snappyDecode(src: Buffer): Buffer | null {
  // preamble: uvarint decoded length
  let dLen = 0;
  let shift = 0;
  let s = 0;
  for (;;) {
    if (s >= src.length || shift > 28) return null;
    const b = src[s++] ?? 0;
    dLen += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
    shift += 7;
  }
  if (dLen > 0xffffffff || dLen > 256 * 1024 * 1024) return null;
  const dst = Buffer.alloc(dLen);
  let d = 0;
  while (s < src.length) {
    const tag = src[s] ?? 0;
    let length: number;
    let offset: number;
    switch (tag & 3) {
      case 0: {
        // literal
        let x = tag >> 2;
        if (x < 60) {
          s += 1;
        } else {
          const extra = x - 59; // 1..4 little-endian length bytes
          if (s + 1 + extra > src.length) return null;
          x = 0;
          for (let i = 0; i < extra; i++) x += (src[s + 1 + i] ?? 0) * 2 ** (8 * i);
          s += 1 + extra;
        }
        length = x + 1;
        if (length > dLen - d || length > src.length - s) return null;
        src.copy(dst, d, s, s + length);
        d += length;
        s += length;
        continue;
      }
      case 1:
        if (s + 2 > src.length) return null;
        length = 4 + ((tag >> 2) & 7);
        offset = ((tag & 0xe0) << 3) | (src[s + 1] ?? 0);
        s += 2;
        break;
      case 2:
        if (s + 3 > src.length) return null;
        length = 1 + (tag >> 2);
        offset = (src[s + 1] ?? 0) | ((src[s + 2] ?? 0) << 8);
        s += 3;
        break;
      default:
        if (s + 5 > src.length) return null;
        length = 1 + (tag >> 2);
        offset = src.readUInt32LE(s + 1);
        s += 5;
        break;
    }
    if (offset <= 0 || offset > d || length > dLen - d) return null;
    for (let i = 0; i < length; i++, d++) dst[d] = dst[d - offset] ?? 0;
  }
  return d === dLen ? dst : null;
}

/**
 * JS `JSON.parse` accepts a lone surrogate escape such as "\ud800"; Loki's jsoniter
 * decoder does not, and the whole push fails with 400 (vector: "lone surrogate escape
 * in line"). Every backslash in valid JSON starts an escape inside a string, so a
 * left-to-right scan that consumes whole escapes is exact: `\\ud800` is an escaped
 * backslash followed by plain text and is fine.
 */
function findLoneSurrogateEscape(text: string): string | null {
  const escape = /\\(u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}|u[dD][89a-fA-F][0-9a-fA-F]{2}|[\s\S])/g;
  for (let m = escape.exec(text); m !== null; m = escape.exec(text)) {
    const body = m[1] ?? '';
    if (body.length === 5) return '\\' + body; // a surrogate escape not forming a valid pair
  }
  return null;
}

const JSON_ERROR_PREFIX = 'loghttp.PushRequest.Streams: []*loghttp.Stream: ';

/** A whole-request decode failure (jsoniter in Loki): 400, nothing stored. */
function decodeError(detail: string): PushError {
  return new PushError(400, `${JSON_ERROR_PREFIX}unmarshalerDecoder: ${detail}`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Loki reads timestamps with strconv.ParseInt(s, 10, 64) on a JSON *string*. */
function parseTimestamp(v: unknown): bigint {
  // vector: "timestamp as JSON number" → 400 (jsoniter ReadString on a number)
  if (typeof v !== 'string' && v !== null) {
    throw decodeError(`timestamp must be a JSON string of nanoseconds, got ${JSON.stringify(v)}`);
  }
  const s = v ?? ''; // jsoniter ReadString(null) === ""
  // vector: "timestamp as float string" ("1.7e18") → 400; "timestamp with leading zeros" → accepted;
  // "negative timestamp" ("-1") parses (and is then rejected as too old).
  if (!/^[+-]?[0-9]+$/.test(s)) {
    throw decodeError(`error reading entry timestamp: strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  }
  const ts = BigInt(s);
  if (ts < INT64_MIN || ts > INT64_MAX) {
    throw decodeError(`error reading entry timestamp: strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  }
  return ts;
}

function parseStringMap(v: unknown, what: string): Labels {
  if (v === undefined || v === null) return {};
  if (!isPlainObject(v)) throw decodeError(`${what} must be a JSON object of strings`);
  const pairs: Array<[string, string]> = [];
  for (const [k, val] of Object.entries(v)) {
    if (val === null) pairs.push([k, '']);
    else if (typeof val === 'string') pairs.push([k, val]);
    else throw decodeError(`${what} value for ${JSON.stringify(k)} must be a string, got ${JSON.stringify(val)}`);
  }
  return Object.fromEntries(pairs);
}

function parseEntry(v: unknown, flavor: Flavor): ParsedEntry {
  if (!Array.isArray(v)) throw decodeError(`entry must be an array [ts, line], got ${JSON.stringify(v)}`);
  // A value array without a timestamp leaves Go's zero time (year 1) → rejected later as too old.
  const ts = v.length === 0 ? GO_ZERO_TIME_NS : parseTimestamp(v[0]);
  // vector: "value with one element" → 204, nothing stored: the line decodes as "" (then dropped).
  const rawLine: unknown = v[1];
  if (rawLine !== undefined && rawLine !== null && typeof rawLine !== 'string') {
    throw decodeError(`entry line must be a string, got ${JSON.stringify(rawLine)}`);
  }
  const line = typeof rawLine === 'string' ? rawLine : '';
  let metadata: Labels | undefined;
  if (v.length >= 3) {
    // vector: "structured metadata as third element" → 400 in 2.8 (predates structured metadata).
    // Loki 3 accepts an object of string → string as the third element.
    if (flavor === '2.8') throw decodeError('error reading entry: array must contain 2 values');
    if (v.length > 3) throw decodeError('error reading entry: array must contain at most 3 values');
    const m = parseStringMap(v[2], 'structured metadata');
    metadata = Object.keys(m).length > 0 ? m : undefined;
  }
  return { ts, line, metadata };
}

/** Decode a JSON push body. Any failure fails the whole request (jsoniter in Loki). */
function decodeJsonPush(text: string, flavor: Flavor): ParsedStream[] {
  const lone = findLoneSurrogateEscape(text);
  if (lone !== null) throw decodeError(`invalid lone UTF-16 surrogate escape ${lone} in a JSON string`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    // vector: "body is not JSON" → 400
    throw new PushError(400, `${JSON_ERROR_PREFIX}${(err as Error).message}`);
  }
  if (!isPlainObject(doc)) throw decodeError('push request must be a JSON object');
  // vector: "unknown extra fields" → ignored, here and in stream objects.
  const rawStreams = doc['streams'];
  if (rawStreams === undefined || rawStreams === null) return [];
  if (!Array.isArray(rawStreams)) throw decodeError('"streams" must be an array');
  return rawStreams.map((raw): ParsedStream => {
    if (!isPlainObject(raw)) throw decodeError('each stream must be a JSON object');
    const labels = parseStringMap(raw['stream'], 'stream label');
    const pairs = Object.entries(labels).sort(([a], [b]) => compareCodePoints(a, b));
    const rawValues = raw['values'];
    if (rawValues !== undefined && rawValues !== null && !Array.isArray(rawValues)) {
      throw decodeError('"values" must be an array');
    }
    const entries = (rawValues ?? []).map((e: unknown) => parseEntry(e, flavor));
    return { pairs, entries };
  });
}

/**
 * Loki re-renders each stream's labels as a selector string (`{a="x", b="y"}`,
 * sorted, empty values included) and parses it with the LogQL parser, so label
 * names must be identifiers `[a-zA-Z_][a-zA-Z0-9_]*`. A failure fails the whole
 * request (vectors: "label name with dash" → `1:3: parse error: unexpected character
 * inside braces: '-'`, "... with dot", "... starting with digit" → column 2).
 * The column is the 1-based character position in the rendered selector.
 */
function labelSyntaxError(pairs: ReadonlyArray<readonly [string, string]>): string | null {
  let rendered = '{';
  for (const [i, [name, value]] of pairs.entries()) {
    if (i > 0) rendered += ', ';
    const start = codePointLength(rendered);
    if (name === '') {
      // Not covered by the vectors: the parser meets `=` where a name should be.
      return `1:${start + 1}: parse error: syntax error: unexpected =, expecting IDENTIFIER`;
    }
    let j = 0;
    for (const ch of name) {
      const ok = j === 0 ? /^[A-Za-z_]$/.test(ch) : /^[A-Za-z0-9_]$/.test(ch);
      if (!ok) return `1:${start + j + 1}: parse error: unexpected character inside braces: '${ch}'`;
      j++;
    }
    rendered += `${name}=${goQuote(value)}`;
  }
  return null;
}

function headerValue(v: string | string[] | undefined): string {
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

function labelsMatch(stream: Labels, match: Labels | undefined): boolean {
  if (match === undefined) return true;
  return Object.entries(match).every(([k, v]) => Object.hasOwn(stream, k) && stream[k] === v);
}

// ───────────────────────────── the receiver ─────────────────────────────

class Receiver implements LokiReceiver {
  readonly requests: ReceivedRequest[] = [];
  url = '';
  origin = '';

  private readonly flavor: Flavor;
  private readonly limits: FlavorLimits;
  private readonly now: () => number;
  private readonly maxBodyBytes: number;
  private readonly intercept: LokiReceiverOptions['intercept'];
  private readonly streams = new Map<string, StreamState>();
  private readonly waiters = new Set<Waiter>();
  private readonly server: Server;

  constructor(options: LokiReceiverOptions) {
    const flavor = options.flavor ?? '3';
    if (flavor !== '2.8' && flavor !== '3') throw new Error(`loki-receiver: unknown flavor ${String(flavor)}`);
    this.flavor = flavor;
    this.limits = FLAVORS[flavor];
    this.now = options.now ?? Date.now;
    this.maxBodyBytes = options.maxBodyBytes ?? this.limits.defaultMaxBodyBytes;
    this.intercept = options.intercept;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        // Never leave a request hanging on an internal bug.
        if (!res.headersSent) this.send(res, { status: 500, body: `loki-receiver internal error: ${String(err)}` });
        else res.destroy();
      });
    });
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.server.address() as AddressInfo;
    this.origin = `http://127.0.0.1:${port}`;
    this.url = `${this.origin}${PUSH_PATH}`;
  }

  // ── public API ──

  entries(match?: Record<string, string>): StoredEntry[] {
    const out: StoredEntry[] = [];
    const streams = [...this.streams.values()].sort((a, b) => compareCodePoints(a.key, b.key));
    for (const st of streams) {
      if (!labelsMatch(st.labels, match)) continue;
      const stamps = [...st.byTs.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const ts of stamps) {
        const lines = st.byTs.get(ts);
        if (lines === undefined) continue;
        for (const line of [...lines.keys()].sort(compareCodePoints)) {
          const metadata = lines.get(line);
          const entry: StoredEntry = { ts: ts.toString(), line, stream: { ...st.labels } };
          if (metadata !== undefined) entry.metadata = { ...metadata };
          out.push(entry);
        }
      }
    }
    return out;
  }

  waitForEntries(
    n: number,
    opts: { match?: Record<string, string>; timeoutMs?: number } = {},
  ): Promise<StoredEntry[]> {
    const match = opts.match;
    if (this.count(match) >= n) return Promise.resolve(this.entries(match));
    const timeoutMs = opts.timeoutMs ?? 10_000;
    return new Promise<StoredEntry[]>((resolve, reject) => {
      const waiter: Waiter = {
        n,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const statuses = this.requests.map((r) => r.status).join(', ') || 'none';
          const last = this.requests.at(-1);
          reject(
            new Error(
              `loki-receiver: waited ${timeoutMs} ms for ${n} entries` +
                (match ? ` matching ${JSON.stringify(match)}` : '') +
                `, but only ${this.count(match)} arrived (${this.count(undefined)} stored in total; ` +
                `${this.requests.length} push request(s), statuses: ${statuses}` +
                (last && last.status >= 300 ? `; last error: ${last.responseBody.slice(0, 300)}` : '') +
                ')',
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  reset(): void {
    this.streams.clear();
    this.requests.length = 0; // in place: callers may hold a reference to the array
  }

  async close(): Promise<void> {
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(new Error('loki-receiver: closed while waiting for entries'));
    }
    this.waiters.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ── HTTP ──

  private corsHeaders(req: IncomingMessage): Record<string, string> {
    const headers: Record<string, string> = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Headers': '*',
      'Access-Control-Expose-Headers': '*',
    };
    // `*` does not cover Authorization in browsers: echo what a preflight asks for.
    const requested = headerValue(req.headers['access-control-request-headers']);
    if (requested !== '') headers['Access-Control-Allow-Headers'] = `*, ${requested}`;
    return headers;
  }

  private send(res: ServerResponse, answer: Answer, extra: Record<string, string> = {}): void {
    const headers: Record<string, string> = { ...extra };
    if (answer.status !== 204 && answer.body !== '' && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'text/plain; charset=utf-8';
    }
    res.writeHead(answer.status, headers);
    res.end(answer.status === 204 || answer.status === 304 ? undefined : answer.body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const receivedAt = Date.now();
    const cors = this.corsHeaders(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';

    if (req.method === 'OPTIONS') {
      const pre: Record<string, string> = {
        ...cors,
        'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
        'Access-Control-Max-Age': '600',
      };
      if (headerValue(req.headers['access-control-request-private-network']) === 'true') {
        pre['Access-Control-Allow-Private-Network'] = 'true';
      }
      req.resume();
      this.send(res, { status: 204, body: '' }, pre);
      return;
    }
    if (path === '/ready' && (req.method === 'GET' || req.method === 'HEAD')) {
      req.resume();
      this.send(res, { status: 200, body: 'ready' }, cors);
      return;
    }
    if (path !== PUSH_PATH) {
      req.resume();
      this.send(res, { status: 404, body: '404 page not found' }, cors);
      return;
    }
    if (req.method !== 'POST') {
      req.resume();
      this.send(res, { status: 405, body: 'method not allowed' }, { ...cors, Allow: 'POST, OPTIONS' });
      return;
    }

    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers: Record<string, string | string[] | undefined> = { ...req.headers };

    let answer: Answer;
    let extra: Record<string, string> = cors;
    let decodedBytes = 0;
    const intercepted = this.intercept ? await this.intercept({ headers, body }) : undefined;
    if (intercepted !== undefined) {
      answer = { status: intercepted.status, body: intercepted.body ?? '' };
      extra = { ...cors, ...(intercepted.headers ?? {}) };
    } else {
      const result = this.push(headers, body);
      answer = result.answer;
      decodedBytes = result.decodedBytes;
    }
    this.requests.push({
      headers,
      rawBytes: body.length,
      decodedBytes,
      status: answer.status,
      responseBody: answer.body,
      receivedAt,
    });
    this.send(res, answer, extra);
    this.notifyWaiters();
  }

  // ── Loki push semantics ──

  /** Synchronous from decoded body to store: a push is applied atomically. */
  private push(
    headers: Record<string, string | string[] | undefined>,
    body: Buffer,
  ): { answer: Answer; decodedBytes: number } {
    let decodedBytes = 0;
    try {
      // Loki 3: the body size is capped (413).
      if (body.length > this.maxBodyBytes) throw this.tooLarge(body.length);

      // Content-Encoding (vectors: "gzip JSON" → accepted; "content-encoding br" →
      // 400 `Content-Encoding "br" not supported`). Go matches the header exactly:
      // "", "snappy" (passed through), "gzip", "deflate" (raw DEFLATE).
      const encoding = headerValue(headers['content-encoding']);
      let decoded: Buffer;
      switch (encoding) {
        case '':
        case 'snappy':
          decoded = body;
          break;
        case 'gzip':
          decoded = inflate(() => gunzipSync(body), 'gzip');
          break;
        case 'deflate':
          decoded = inflate(() => inflateRawSync(body), 'flate');
          break;
        default:
          throw new PushError(400, `Content-Encoding ${goQuote(encoding)} not supported`);
      }
      decodedBytes = decoded.length;
      if (decoded.length > this.maxBodyBytes) throw this.tooLarge(decoded.length);

      // Content-Type: only application/json is JSON (parameters such as charset are
      // ignored); everything else is decoded as snappy-compressed protobuf
      // (vectors: "no content-type", "text/plain JSON body" → 400 "snappy: corrupt input").
      // Loki 3 first runs mime.ParseMediaType, which fails on a missing header.
      const contentType = headerValue(headers['content-type']).split(';')[0]?.trim().toLowerCase() ?? '';
      if (contentType === '' && this.flavor === '3') throw new PushError(400, 'mime: no media type');
      if (contentType !== 'application/json') {
        if (snappyDecode(decoded) === null) throw new PushError(400, 'snappy: corrupt input');
        throw new PushError(
          415,
          'loki-receiver: this test receiver only implements JSON pushes; valid snappy-compressed protobuf is not decoded',
        );
      }
      // Go keeps a UTF-8 BOM (and then fails to parse); TextDecoder would strip it.
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(decoded);
      const streams = decodeJsonPush(text, this.flavor);
      return { answer: this.apply(streams), decodedBytes };
    } catch (err) {
      if (err instanceof PushError) return { answer: { status: err.status, body: err.message }, decodedBytes };
      throw err;
    }
  }

  private tooLarge(size: number): PushError {
    // Loki 3: validation.RequestBodyTooLargeErrorMsg
    return new PushError(413, `request body too large: ${size} bytes, limit: ${this.maxBodyBytes} bytes`);
  }

  private apply(streams: ParsedStream[]): Answer {
    // Label selector syntax is checked for every stream before anything is stored:
    // a bad label name fails the whole request (vectors: "label name with dash", ...).
    for (const s of streams) {
      const err = labelSyntaxError(s.pairs);
      if (err !== null) throw new PushError(400, this.flavor === '3' ? `couldn't parse labels: ${err}` : err);
    }
    // Empty `streams`: 2.8 answers 204 (vector: "empty streams array");
    // Loki 3 refuses it with 422 before any validation.
    if (streams.length === 0) {
      if (this.flavor === '3') throw new PushError(422, 'error at least one valid stream is required for ingestion');
      return { status: 204, body: '' };
    }

    const nowNs = BigInt(Math.floor(this.now())) * NS_PER_MS;
    const oldestNs = nowNs - REJECT_OLD_SAMPLES_MAX_AGE_NS;
    const newestNs = nowNs + CREATION_GRACE_PERIOD_NS;

    // ── distributor: per-stream validation. Errors are partial: the last one is
    // reported, everything valid is still stored (vector: "partial: one good, one too old").
    let validationErr: string | null = null;
    const accepted: Array<{ pairs: Array<[string, string]>; entries: ParsedEntry[] }> = [];
    for (const s of streams) {
      // Streams without entries are skipped before label validation.
      if (s.entries.length === 0) continue;
      const rawLabelString = renderLabels(s.pairs);
      // Empty label values are dropped, as Prometheus labels do (vector: "only an empty label value").
      const pairs = s.pairs.filter(([, v]) => v !== '');
      const streamLabels = renderLabels(pairs);
      const labelErr = this.validateLabels(pairs, rawLabelString);
      if (labelErr !== null) {
        validationErr = labelErr;
        continue;
      }
      const ok: ParsedEntry[] = [];
      for (const e of s.entries) {
        const entryErr = this.validateEntry(e, streamLabels, oldestNs, newestNs);
        if (entryErr !== null) validationErr = entryErr;
        else ok.push(e);
      }
      if (ok.length > 0) accepted.push({ pairs, entries: ok });
    }

    // ── ingester: per stream object of the request, in order.
    let ingesterErr: string | null = null;
    for (const { pairs, entries } of accepted) {
      // vectors: "empty line", "value with one element" → 204 but nothing is stored.
      const storable = entries.filter((e) => e.line !== '');
      if (storable.length === 0) continue;
      // Streams are identified by their sorted label set: two stream objects with the
      // same labels, in any key order, are one stream (vectors: "two streams with the
      // same labels in one push", "label order differs").
      const err = this.ingest(this.streamFor(pairs), storable);
      if (err !== null) ingesterErr = err;
    }

    if (ingesterErr !== null) return { status: 400, body: ingesterErr };
    if (validationErr !== null) return { status: 400, body: validationErr };
    return { status: 204, body: '' };
  }

  /** Loki `Validator.ValidateLabels`; messages quote the labels as sent (empty values included). */
  private validateLabels(pairs: Array<[string, string]>, rawLabelString: string): string | null {
    // vectors: "only an empty label value", "empty stream labels"
    if (pairs.length === 0) return 'error at least one label pair is required per stream';
    // vector: "31 labels" (limit 30 in 2.8); Loki 3: limit 15, and a `service_name`
    // label (which Loki 3 may add itself) is not counted.
    let count = pairs.length;
    if (this.flavor === '3' && pairs.some(([k]) => k === 'service_name')) count--;
    if (count > this.limits.maxLabelNames) {
      return `entry for stream '${rawLabelString}' has ${count} label names; limit ${this.limits.maxLabelNames}`;
    }
    // Lengths are Go byte lengths, checked label by label in sorted order.
    for (const [name, value] of pairs) {
      // vector: "label name 1025 chars"
      if (byteLength(name) > MAX_LABEL_NAME_LENGTH) return `stream '${rawLabelString}' has label name too long: '${name}'`;
      // vectors: "label value 2049 chars" → 400, "label value 2048 chars" → 204
      if (byteLength(value) > MAX_LABEL_VALUE_LENGTH) return `stream '${rawLabelString}' has label value too long: '${value}'`;
    }
    return null;
  }

  /** Loki `Validator.ValidateEntry`, in Loki's order. */
  private validateEntry(e: ParsedEntry, streamLabels: string, oldestNs: bigint, newestNs: bigint): string | null {
    // vectors: "timestamp in ms (13 digits)", "entry older than 7 days", "negative timestamp"
    if (e.ts < oldestNs) {
      return `entry for stream '${streamLabels}' has timestamp too old: ${rfc3339(e.ts)}, oldest acceptable timestamp is: ${rfc3339(oldestNs)}`;
    }
    // vectors: "entry 11 minutes in the future" → 400, "entry 9 minutes in the future" → 204
    if (e.ts > newestNs) return `entry for stream '${streamLabels}' has timestamp too new: ${rfc3339(e.ts)}`;
    // Loki 3: max_line_size 256KB, in UTF-8 bytes (2.8 default is unlimited: vector "1 MiB line").
    const max = this.limits.maxLineSize;
    if (max !== 0) {
      const len = byteLength(e.line);
      if (len > max) {
        return `Max entry size '${max}' bytes exceeded for stream '${streamLabels}' while adding an entry with length '${len}' bytes`;
      }
    }
    // Loki 3: structured metadata limits.
    if (e.metadata !== undefined) {
      const entries = Object.entries(e.metadata);
      const size = entries.reduce((n, [k, v]) => n + byteLength(k) + byteLength(v), 0);
      if (size > MAX_STRUCTURED_METADATA_SIZE) {
        return `stream '${streamLabels}' has structured metadata too large: '${size}' bytes, limit: '${MAX_STRUCTURED_METADATA_SIZE}' bytes. Please see \`limits_config.max_structured_metadata_size\` or contact your Loki administrator to increase it.`;
      }
      if (entries.length > MAX_STRUCTURED_METADATA_COUNT) {
        return `stream '${streamLabels}' has too many structured metadata labels: '${entries.length}', limit: '${MAX_STRUCTURED_METADATA_COUNT}'. Please see \`limits_config.max_structured_metadata_entries_count\` or contact your Loki administrator to increase it.`;
      }
    }
    return null;
  }

  private streamFor(pairs: Array<[string, string]>): StreamState {
    const key = renderLabels(pairs);
    let st = this.streams.get(key);
    if (st === undefined) {
      st = { labels: Object.fromEntries(pairs), key, highestTs: null, lastLine: null, byTs: new Map(), size: 0 };
      this.streams.set(key, st);
    }
    return st;
  }

  /** Loki ingester `stream.Push` with unordered writes. Returns the error message, if any. */
  private ingest(st: StreamState, entries: ParsedEntry[]): string | null {
    const failed: Array<{ e: ParsedEntry; cutoff: bigint }> = [];
    for (const e of entries) {
      // Same (ts, line) as the last appended entry: silently skipped.
      if (st.lastLine !== null && st.lastLine.ts === e.ts && st.lastLine.line === e.line) continue;
      // Unordered writes are accepted (vector: "descending timestamps in one push") but
      // only within max_chunk_age/2 = 1 h of the newest entry of the stream, including
      // entries earlier in this same push (vectors: "entry 2 h behind ..." → 400,
      // "entry 30 min behind ..." → 204).
      if (st.highestTs !== null) {
        const cutoff = st.highestTs - OUT_OF_ORDER_WINDOW_NS;
        if (e.ts < cutoff) {
          failed.push({ e, cutoff });
          continue;
        }
      }
      st.lastLine = { ts: e.ts, line: e.line };
      if (st.highestTs === null || e.ts > st.highestTs) st.highestTs = e.ts;
      // Identical (ts, line) is stored once, within a push and across pushes (vectors:
      // "same push twice", "identical lines, identical ts, one push"); the same ts with
      // a different line is a separate entry (vector: "same ts, different lines").
      let lines = st.byTs.get(e.ts);
      if (lines === undefined) {
        lines = new Map();
        st.byTs.set(e.ts, lines);
      }
      if (!lines.has(e.line)) {
        lines.set(e.line, e.metadata);
        st.size++;
      }
    }
    if (failed.length === 0) return null;
    const shown = failed.slice(0, MAX_RETURNED_ERRORS);
    if (this.flavor === '2.8') {
      // vector: "entry 2 h behind the newest of its stream" (exact text)
      return (
        shown
          .map(
            ({ e, cutoff }) =>
              `entry with timestamp ${goTimeString(e.ts)} ignored, reason: 'entry too far behind, oldest acceptable timestamp is: ${rfc3339(cutoff)}' for stream: ${st.key},\n`,
          )
          .join('') + `user '${TENANT}', total ignored: ${failed.length} out of ${entries.length}`
      );
    }
    // Loki 3 wording (pkg/ingester/stream.go)
    return (
      shown
        .map(
          ({ e, cutoff }) =>
            `entry with timestamp ${goTimeString(e.ts)} ignored, reason: 'entry too far behind, entry timestamp is: ${rfc3339(e.ts)}, oldest acceptable timestamp is: ${rfc3339(cutoff)}',\n`,
        )
        .join('') + `user '${TENANT}', total ignored: ${failed.length} out of ${entries.length} for stream: ${st.key}`
    );
  }

  // ── waiting ──

  private count(match: Labels | undefined): number {
    let n = 0;
    for (const st of this.streams.values()) if (labelsMatch(st.labels, match)) n += st.size;
    return n;
  }

  private notifyWaiters(): void {
    for (const w of this.waiters) {
      if (this.count(w.match) >= w.n) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(this.entries(w.match));
      }
    }
  }
}

/** Run a zlib decoder, mapping Node's errors onto Go's messages. */
function inflate(run: () => Buffer, kind: 'gzip' | 'flate'): Buffer {
  try {
    return run();
  } catch (err) {
    const msg = (err as Error).message;
    if (/incorrect header check|not in gzip format/i.test(msg)) throw new PushError(400, 'gzip: invalid header');
    if (/unexpected end of file/i.test(msg)) throw new PushError(400, 'unexpected EOF');
    if (/incorrect data check/i.test(msg)) throw new PushError(400, 'gzip: invalid checksum');
    throw new PushError(400, `${kind}: corrupt input (${msg})`);
  }
}

export async function startLokiReceiver(options: LokiReceiverOptions = {}): Promise<LokiReceiver> {
  const receiver = new Receiver(options);
  await receiver.listen();
  return receiver;
}
