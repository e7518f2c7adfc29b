import type { ProxyHandler, ProxyOptions } from './options.js';
import { createProxyCore, type ProxyCore } from './proxy-core.js';
import { textAnswer } from './proxy-input.js';
import { resolveProxyOptions } from './resolve-options.js';
import { fromWebRequest, toWebResponse } from './web-request.js';

/**
 * Where `toNodeListener` finds the runtime-neutral core behind a handler. A registered symbol, so
 * a handler from one copy of the package (the CJS build, say) works with the adapter of another.
 */
export const PROXY_CORE: unique symbol = Symbol.for('cloudlog.proxy.core') as never;

/**
 * The proxy as a Web-standard handler, `(request) => Promise<Response>`: a Next.js route handler
 * (`export const POST = proxy, OPTIONS = proxy`), a Hono or Workers `fetch`, `Deno.serve`,
 * `Bun.serve`. For Node's `http` and Express, wrap it with `toNodeListener`.
 *
 * Bad options throw a `ConfigError` here, at setup.
 */
export function createProxyHandler(options: ProxyOptions): ProxyHandler {
  const core = createProxyCore(resolveProxyOptions(options));
  const handler = async (request: Request, context?: Parameters<ProxyHandler>[1]): Promise<Response> => {
    try {
      return toWebResponse(await core.handle(fromWebRequest(request, context)));
    } catch {
      // Only a Request that is not one (a bad URL) gets here: handle() itself never rejects.
      return toWebResponse(textAnswer(400, 'cloudlog-proxy: not an HTTP request it can read'));
    }
  };
  return Object.defineProperties(handler, {
    metrics: { value: () => core.metrics() },
    close: { value: (timeoutMs?: number) => core.close(timeoutMs) },
    inFlight: { get: () => core.inFlight },
    [PROXY_CORE]: { value: core },
  }) as unknown as ProxyHandler;
}

export function coreOf(handler: ProxyHandler): ProxyCore | undefined {
  return (handler as unknown as { [PROXY_CORE]?: ProxyCore })[PROXY_CORE];
}
