/**
 * Where validated pushes go: Loki (`loki-target.ts`) or the embedded local sink (`local-sink.ts`).
 * Both get the same validated push, so a newcomer on the sink sees what Loki would be sent.
 */

/** One entry: nanosecond timestamp (decimal string), line, and Loki ≥ 2.9 structured metadata if sent. */
export type PushValue = [ts: string, line: string] | [ts: string, line: string, metadata: Record<string, string>];

/** A stream that passed validation: its final labels (forced labels applied) and its entries in the order sent. */
export interface ValidStream {
  labels: Record<string, string>;
  values: PushValue[];
}

/** What is forwarded: only what passed the policy. */
export interface ValidatedPush {
  streams: ValidStream[];
  /** Entries in `streams`. */
  entries: number;
}

/** What a target made of a push. The handler maps it to an answer the SDK understands (one place: `answer-for-target.ts`). */
export type TargetResult =
  /** Stored (Loki 204/200/202). */
  | { kind: 'stored' }
  /** Loki stored part of it and refused the rest (400): not retryable, Loki's reason kept. */
  | { kind: 'partial'; message: string; rejected: number }
  /** Loki took it and dropped it (another 2xx, such as 260 while an operator blocks ingestion). */
  | { kind: 'dropped'; status: number }
  /** Too large for Loki as a whole (413): the client should split it. */
  | { kind: 'too-large'; message: string }
  /** Not now (Loki 429/5xx, timeout, network error, misconfiguration): the client should resend after `retryAfterSeconds`. */
  | { kind: 'retry'; status: 429 | 502 | 503 | 504; retryAfterSeconds: number; message: string };

/**
 * The request body as received, offered when it decoded as exact UTF-8: a target may send these
 * bytes instead of re-encoding, if the validated push encodes to exactly `text` (see loki-target.ts).
 */
export interface OriginalBody {
  text: string;
  /** The body as sent, when it came gzip'd. */
  gzip: Uint8Array | undefined;
}

/** A push encoded for its target (opaque outside it), and what it holds. */
export interface PreparedPush {
  readonly entries: number;
  /** Bytes the target will send (Loki) or write. */
  readonly bytes: number;
}

export interface PushTarget {
  /**
   * Encodes a validated push for `send`. The proxy calls it under its CPU gate, with the parsed
   * push still at hand, so that while requests wait on Loki they hold bytes, not parsed objects.
   */
  prepare(push: ValidatedPush, original?: OriginalBody): Promise<PreparedPush>;
  /** Never rejects: every outcome is a `TargetResult`. `signal` aborts when the proxy shuts down. */
  send(prepared: PreparedPush, signal: AbortSignal): Promise<TargetResult>;
  /** Finishes pending writes (the sink's file). Idempotent. */
  close(): Promise<void>;
  /** Shown at startup: where entries go, without credentials. */
  readonly description: string;
}
