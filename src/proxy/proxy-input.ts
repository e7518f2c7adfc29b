/**
 * The request and answer the proxy works on, whatever the runtime: the Web handler builds them
 * from a `Request` (web-request.ts), the Node adapter from an `IncomingMessage` (node-listener.ts).
 * Neither a Node stream nor a `Request` leaks past the edge, and Node never pays for building a
 * `Request`/`Response` per push.
 */

/** A request body, read chunk by chunk (never all at once: sizes are checked as it arrives). */
export interface BodySource {
  /** The next chunk, or undefined at the end. Rejects when the client goes away. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops reading; what is left is discarded. */
  cancel(): void;
}

export interface ProxyInput {
  method: string;
  /** The path and query as sent: `/loki/api/v1/push?batch=…`. */
  target: string;
  /** A request header by lower-case name; repeated headers joined with `, `. */
  header(name: string): string | undefined;
  /** `host:port` the client addressed (for the same-origin check). */
  host: string | undefined;
  /** The connection's remote address, when the runtime knows it. */
  clientAddress: string | undefined;
  body: BodySource;
}

export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The request body was not read to its end: what is left must be drained (or the connection cut) before it can carry another request. */
  unreadBody?: boolean;
  /** The proxy is shutting down: the connection closes after this answer. */
  closeConnection?: boolean;
}

const BASE_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' } as const;

/** A plain-text answer; every message starts with who is speaking, so a reader tells the proxy from Loki. */
export function textAnswer(status: number, message: string, headers: Record<string, string> = {}): ProxyAnswer {
  return { status, headers: { ...BASE_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers }, body: message.endsWith('\n') ? message : `${message}\n` };
}

export function emptyAnswer(status: number, headers: Record<string, string> = {}): ProxyAnswer {
  return { status, headers: { ...BASE_HEADERS, ...headers }, body: '' };
}

/** Splits `/path?query` without a base URL (the target may be any string a client sent). */
export function splitTarget(target: string): { path: string; query: URLSearchParams } {
  const at = target.indexOf('?');
  if (at === -1) return { path: target, query: new URLSearchParams() };
  return { path: target.slice(0, at), query: new URLSearchParams(target.slice(at + 1)) };
}
