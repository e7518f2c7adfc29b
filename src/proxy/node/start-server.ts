import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ProxyHandler } from '../options.js';
import { toNodeListener, type NodeListener } from '../node-listener.js';

export interface RunningProxy {
  /** http://host:port */
  readonly origin: string;
  readonly port: number;
  /**
   * Graceful stop: no new connections, idle ones closed, `/ready` answers 503, the requests in
   * progress finish (up to `timeoutMs`; then Loki is given up on and clients are told 503), the
   * sink's file is flushed, and the last connections close.
   */
  close(timeoutMs: number): Promise<void>;
}

export interface StartOptions {
  host: string;
  port: number;
  /** Answers what the proxy does not serve (the demo's page); otherwise 404. */
  fallback?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** Node's http server around a proxy handler: what the CLI runs. */
export async function startProxyServer(handler: ProxyHandler, options: StartOptions): Promise<RunningProxy> {
  const listener: NodeListener = toNodeListener(handler);
  const fallback = options.fallback;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (fallback === undefined) listener(req, res);
    else listener(req, res, () => fallback(req, res));
  });
  // Slow clients: headers within 10 s; bodies are timed by the proxy itself (`readTimeoutMs`, 408).
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${address.port}`,
    port: address.port,
    close(timeoutMs) {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await handler.close(timeoutMs);
        // Answers still on their way out get a moment; then whatever is left is cut.
        const timer = setTimeout(() => server.closeAllConnections(), 1000);
        await closed;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
