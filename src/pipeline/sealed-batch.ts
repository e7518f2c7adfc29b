import { encodePushBody } from '../loki/push-body.js';
import type { Batch } from './entry-queue.js';

/**
 * A batch taken from the queue and encoded once: from here on it is sent, persisted and resent
 * as these exact bytes, so a resend carries the same timestamps and lines (Loki merges it) and
 * the same id (the proxy drops one it already forwarded).
 */
export interface SealedBatch {
  /** Same on every send of this batch: `X-Cloudlog-Batch-Id` header, or `?batch=` on beacons. */
  readonly id: string;
  /** The push JSON. Empty once a batch parked in memory is compressed: `gzipped` holds it then. */
  body: string;
  /** The body gzip'd, made once by the transport and reused on every resend. */
  gzipped?: Uint8Array<ArrayBuffer> | undefined;
  readonly entries: number;
  /** The most important level in it: storage evicts batches of low levels first. */
  readonly maxLevel: number;
  /** Timestamp of its oldest entry: what flush() compares against. */
  readonly firstMs: number;
  readonly firstSub: number;
  /** Written to durable storage (browsers); it must then be removed once settled. */
  stored: boolean;
  /** The clock offset in effect when it was sealed (platform/clock-offset.ts); 0 when unknown. */
  clockMs?: number;
}

export function sealBatch(streamJson: string, batch: Batch, clockMs = 0): SealedBatch {
  let maxLevel = 0;
  for (const level of batch.levels) if (level > maxLevel) maxLevel = level;
  return {
    id: newBatchId(),
    body: encodePushBody(streamJson, batch),
    entries: batch.lines.length,
    maxLevel,
    firstMs: batch.ms[0]!,
    firstSub: batch.sub[0]!,
    stored: false,
    clockMs,
  };
}

type Push = { streams: { stream: Record<string, string>; values: [string, string][] }[] };

/**
 * Halves of a batch answered 413, in order, each with its own id. Works on the body, so a batch
 * adopted from storage (which has no entry columns) splits the same way. Undefined for one entry.
 */
export function splitBatch(batch: SealedBatch): [SealedBatch, SealedBatch] | undefined {
  if (batch.entries < 2) return undefined;
  const push = JSON.parse(batch.body) as Push;
  const all = push.streams.flatMap((s) => s.values.map((value) => ({ stream: s.stream, value })));
  const half = Math.ceil(all.length / 2);
  const part = (items: typeof all): SealedBatch => {
    const streams: Push['streams'] = [];
    for (const { stream, value } of items) {
      const last = streams[streams.length - 1];
      if (last !== undefined && last.stream === stream) last.values.push(value);
      else streams.push({ stream, values: [value] });
    }
    const first = BigInt(items[0]!.value[0]);
    return {
      id: newBatchId(),
      body: JSON.stringify({ streams }),
      entries: items.length,
      maxLevel: batch.maxLevel,
      firstMs: Number(first / 1_000_000n),
      firstSub: Number(first % 1_000_000n),
      stored: false,
    };
  };
  return [part(all.slice(0, half)), part(all.slice(half))];
}

/**
 * The batch with every timestamp moved by `deltaMs`, under a new id: for a batch Loki refused
 * whole because the clock that stamped it was wrong (nothing of it was stored, so this cannot
 * duplicate anything). Relative order and spacing are kept.
 */
export function restampBatch(batch: SealedBatch & { clockMs: number }, deltaMs: number): SealedBatch {
  const push = JSON.parse(batch.body) as Push;
  const delta = BigInt(Math.round(deltaMs)) * 1_000_000n;
  for (const stream of push.streams) for (const value of stream.values) value[0] = String(BigInt(value[0]) + delta);
  const first = BigInt(batch.firstMs) * 1_000_000n + BigInt(batch.firstSub) + delta;
  return {
    ...batch,
    id: newBatchId(),
    body: JSON.stringify(push),
    gzipped: undefined,
    firstMs: Number(first / 1_000_000n),
    firstSub: Number(first % 1_000_000n),
    stored: false,
    clockMs: batch.clockMs + deltaMs,
  };
}

/** 128 random bits, base64url: 22 characters of `[A-Za-z0-9_-]`. */
export function newBatchId(): string {
  const bytes = new Uint8Array(16);
  // Node 18 has no global `crypto` (it arrived unflagged in Node 19): ids need uniqueness, not secrecy.
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
  if (webCrypto?.getRandomValues) webCrypto.getRandomValues(bytes);
  else for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(Math.random() * 256);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
