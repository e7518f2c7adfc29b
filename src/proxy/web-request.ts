import type { ProxyRequestContext } from './options.js';
import type { BodySource, ProxyAnswer, ProxyInput } from './proxy-input.js';

const NO_BODY: BodySource = { read: async () => undefined, cancel: () => undefined };

/** A Web `Request` as the proxy reads it. */
export function fromWebRequest(request: Request, context: ProxyRequestContext | undefined): ProxyInput {
  const url = new URL(request.url);
  const reader = request.body?.getReader();
  const address = context?.clientAddress;
  return {
    method: request.method,
    target: url.pathname + url.search,
    header: (name) => request.headers.get(name) ?? undefined,
    host: url.host,
    clientAddress: typeof address === 'string' ? address : undefined,
    body:
      reader === undefined
        ? NO_BODY
        : {
            read: async () => {
              const { done, value } = await reader.read();
              return done ? undefined : value;
            },
            cancel: () => {
              reader.cancel().catch(() => undefined);
            },
          },
  };
}

export function toWebResponse(answer: ProxyAnswer): Response {
  // A 204 (and a HEAD's answer) has no body; `new Response('', { status: 204 })` throws.
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
}
