import { ConfigError } from '../errors.js';
import { coreOf } from './create-proxy-handler.js';
import type { ProxyHandler } from './options.js';
import { LINGER_MS } from './proxy-core.js';
import { splitTarget, type BodySource, type ProxyInput } from './proxy-input.js';

/**
 * The parts of Node's `IncomingMessage` the adapter uses, written out so that these types need no
 * `@types/node` (and match Express's and Connect's request objects, which extend it).
 */
export interface NodeRequest extends AsyncIterable<Uint8Array> {
  method?: string | undefined;
  url?: string | undefined;
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string | undefined; destroy(): unknown } | null;
  resume(): unknown;
  once(event: 'end', listener: () => void): unknown;
}

/** The parts of Node's `ServerResponse` the adapter uses. */
export interface NodeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body?: Uint8Array): unknown;
  once(event: 'finish', listener: () => void): unknown;
  readonly headersSent: boolean;
  destroy(): unknown;
}

/** `(req, res)` for `http.createServer`, and `(req, res, next)` middleware for Express and Connect. */
export type NodeListener = (req: NodeRequest, res: NodeResponse, next?: (error?: unknown) => void) => void;

/**
 * Serves a proxy handler from Node's `http` server or as Express/Connect middleware:
 *
 *   http.createServer(toNodeListener(proxy)).listen(3100)
 *   app.use(toNodeListener(proxy))   // before any body parser: the proxy reads the body itself
 *
 * As middleware, requests for other paths go to `next()`. The client's address is the socket's;
 * behind a load balancer set `clientAddressHeader`.
 */
export function toNodeListener(handler: ProxyHandler): NodeListener {
  const core = coreOf(handler);
  if (core === undefined) throw new ConfigError('cloudlog-proxy: toNodeListener takes a handler made by createProxyHandler().');
  const encoder = new TextEncoder();

  return (req, res, next) => {
    const target = req.url ?? '/';
    if (next !== undefined && !core.serves(splitTarget(target).path)) {
      next();
      return;
    }
    core
      .handle(fromNodeRequest(req, target))
      .then((answer) => {
        const body = answer.body === '' ? undefined : encoder.encode(answer.body);
        const headers: Record<string, string> = { ...answer.headers, 'content-length': String(body?.byteLength ?? 0) };
        if (answer.closeConnection) headers['connection'] = 'close';
        else if (answer.unreadBody) {
          // Lingering close (RFC 9112 §9.6): read and discard what the client is still sending, so it
          // reads our 413 instead of a reset; cut the connection only if the rest does not come soon.
          // (\`Connection: close\` would make Node destroy the socket as soon as the answer is out.)
          res.once('finish', () => {
            const timer = setTimeout(() => req.socket?.destroy(), LINGER_MS);
            (timer as { unref?: () => void }).unref?.();
            req.once('end', () => clearTimeout(timer));
            req.resume();
          });
        }
        res.writeHead(answer.status, headers);
        res.end(body);
      })
      .catch(() => {
        // The client went away while we answered; nothing is left to tell it.
        if (!res.headersSent) res.destroy();
      });
  };
}

function fromNodeRequest(req: NodeRequest, target: string): ProxyInput {
  const headers = req.headers;
  return {
    method: req.method ?? 'GET',
    target,
    header: (name) => {
      const value = headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    },
    host: typeof headers['host'] === 'string' ? headers['host'] : undefined,
    clientAddress: req.socket?.remoteAddress,
    body: nodeBody(req),
  };
}

/** Reads on demand: the stream stays paused between reads, so a body is never buffered ahead of its checks. */
function nodeBody(req: NodeRequest): BodySource {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  return {
    async read() {
      iterator ??= req[Symbol.asyncIterator]();
      const { done, value } = await iterator.next();
      return done ? undefined : value;
    },
    // Nothing to do here: the listener drains what is left once the answer is out (see above).
    cancel: () => undefined,
  };
}
