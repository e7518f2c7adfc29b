/**
 * A fault-injection HTTP proxy for delivery tests. It listens on 127.0.0.1, sits in
 * front of a Loki push endpoint (normally test/support/loki-receiver.ts) and, on a
 * seeded and therefore reproducible plan, decides per push request whether to pass
 * it through or to break it in one of the ways a real network, load balancer or Loki
 * breaks (brief §3 "Responses", §4 "Delivery semantics"):
 *
 *   pass               forward, return the receiver's answer
 *   reset              TCP RST before any answer; nothing stored
 *   hang               read the body, never answer (until close()); nothing stored
 *   status             answer e.g. 429/503 + Retry-After without forwarding; nothing stored
 *   store-then-reset   stored at the receiver, then RST: the acknowledgement is lost
 *   store-then-status  stored, then answered with an error status: the client must resend,
 *                      and the resend must merge in Loki (fixed timestamps, brief §4)
 *   delay              wait, then any of the above
 *
 * Only `POST /loki/api/v1/push` is subject to the plan and counted. Every other request
 * (CORS preflights, GET /ready) is forwarded to the target's origin untouched, so the
 * proxy can also stand in front of the receiver for browser tests.
 *
 * Reproducibility: `random` handed to the plan is a mulberry32 stream seeded with
 * `seed` (default DEFAULT_SEED), restarted together with the request index by
 * setPlan(). The plan is consulted once per request, synchronously, in arrival order,
 * so for sequential clients the same seed always yields the same faults.
 *
 * A delayed request is forwarded even if the client gave up meanwhile: the proxy
 * models a server that already has the request, which is exactly the "stored but not
 * acknowledged" case a retrying client must survive.
 */
import { Agent, createServer, request as httpRequest } from 'node:http';
import type {
  ClientRequest,
  IncomingHttpHeaders,
  IncomingMessage,
  OutgoingHttpHeaders,
  Server,
  ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

// ───────────────────────────── public API ─────────────────────────────

export type FaultAction =
  | { kind: 'pass' } // forward, return the receiver's answer
  | { kind: 'reset' } // destroy the socket without answering (ECONNRESET at the client), nothing stored
  | { kind: 'hang' } // read the body, never answer (until the proxy closes); nothing stored
  | { kind: 'status'; status: number; retryAfter?: string; body?: string } // answer this without forwarding; nothing stored
  | { kind: 'store-then-reset' } // forward (entries get stored), then destroy the client socket: the answer is lost
  | { kind: 'store-then-status'; status: number; retryAfter?: string } // forward (stored) then answer this status instead
  | { kind: 'delay'; ms: number; then: FaultAction }; // wait, then do `then`

/** Decides the fault for one request. `random` is the proxy's seeded PRNG ([0, 1)). */
export interface FaultPlan {
  (requestIndex: number, random: () => number): FaultAction;
}

export interface FaultLogEntry {
  /** index of the request under the plan in force when it arrived */
  index: number;
  /** the plan's (outermost) action; a delayed reset logs 'delay' */
  action: FaultAction['kind'];
  /** the receiver's status, when the request was forwarded and answered */
  status?: number;
  /** request body bytes as received (before any Content-Encoding decoding) */
  bodyBytes: number;
}

export interface FaultProxy {
  /** http://127.0.0.1:PORT/loki/api/v1/push */
  readonly url: string;
  /** the seed of `random` (the one given, or DEFAULT_SEED) */
  readonly seed: number;
  /** Replace the plan; request indices and the seeded random stream restart at 0. */
  setPlan(plan: FaultPlan): void;
  /** Every push request seen, in arrival order: index, action taken, and the forwarded status if any. */
  readonly log: FaultLogEntry[];
  /** Stops listening and ends everything in flight (hanging, delayed, forwarding). Idempotent. */
  close(): Promise<void>;
}

export interface FaultProxyOptions {
  /** the receiver's push URL, e.g. receiver.url */
  target: string;
  /** @default plans.pass */
  plan?: FaultPlan;
  /** seed of the PRNG handed to the plan. @default DEFAULT_SEED */
  seed?: number;
}

export const DEFAULT_SEED = 0x5eed;

/** mulberry32: a tiny, well-distributed 32-bit PRNG; the same seed gives the same stream. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PASS: FaultAction = { kind: 'pass' };

/** Helpers to build plans. */
export const plans: {
  pass: FaultPlan;
  always(action: FaultAction): FaultPlan;
  /** The first n requests get `action`, then pass. */
  firstN(n: number, action: FaultAction): FaultPlan;
  /** Each request gets `action` with probability p (seeded), else pass. */
  randomly(p: number, action: FaultAction): FaultPlan;
  /** Cycle through the actions in order. */
  sequence(...actions: FaultAction[]): FaultPlan;
  /** Outage switch: `action` until you call `.recover()`; returns a plan with a recover method. */
  outage(action: FaultAction): FaultPlan & { recover(): void; readonly down: boolean };
} = {
  pass: () => PASS,
  always(action) {
    validateAction(action);
    return () => action;
  },
  firstN(n, action) {
    if (!Number.isInteger(n) || n < 0) throw new TypeError(`plans.firstN: n must be an integer ≥ 0, got ${n}`);
    validateAction(action);
    return (index) => (index < n ? action : PASS);
  },
  randomly(p, action) {
    if (!(p >= 0 && p <= 1)) throw new TypeError(`plans.randomly: p must be a probability in [0, 1], got ${p}`);
    validateAction(action);
    // Exactly one draw per request, whatever the outcome, so the stream stays aligned with the index.
    return (_index, random) => (random() < p ? action : PASS);
  },
  sequence(...actions) {
    if (actions.length === 0) throw new TypeError('plans.sequence: give at least one action');
    actions.forEach(validateAction);
    return (index) => actions[index % actions.length] ?? PASS;
  },
  outage(action) {
    validateAction(action);
    let down = true;
    const plan: FaultPlan = () => (down ? action : PASS);
    return Object.defineProperties(plan, {
      recover: {
        value: () => {
          down = false;
        },
      },
      down: { get: () => down, enumerable: true },
    }) as FaultPlan & { recover(): void; readonly down: boolean };
  },
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const proxy = new FaultProxyServer(options);
  await proxy.listen();
  return proxy;
}

// ───────────────────────────── internals ─────────────────────────────

const PUSH_PATH = '/loki/api/v1/push';

/** Request headers a push carries to Loki; everything else (host, cookies, …) stays here. */
const FORWARDED_REQUEST_HEADERS = ['content-type', 'content-encoding', 'authorization', 'x-scope-orgid'] as const;

/** RFC 9110 §7.6.1 connection-specific headers, plus content-length which we recompute. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'content-length',
  'host',
]);

/** Synthesized answers carry the receiver's CORS headers so browser tests can read them (Retry-After). */
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': '*',
} as const;

interface UpstreamAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function validateAction(action: FaultAction): void {
  switch (action.kind) {
    case 'pass':
    case 'reset':
    case 'hang':
    case 'store-then-reset':
      return;
    case 'status':
    case 'store-then-status':
      if (!Number.isInteger(action.status) || action.status < 200 || action.status > 599) {
        throw new TypeError(`fault-proxy: ${action.kind} needs an integer status in 200..599, got ${action.status}`);
      }
      return;
    case 'delay':
      if (!(Number.isFinite(action.ms) && action.ms >= 0)) {
        throw new TypeError(`fault-proxy: delay needs ms ≥ 0, got ${action.ms}`);
      }
      validateAction(action.then);
      return;
    default:
      throw new TypeError(`fault-proxy: unknown action ${JSON.stringify(action)}`);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    // A client that goes away mid-body never emits 'end'.
    req.on('close', () => {
      if (!req.complete) reject(new Error('fault-proxy: client closed the request before its body ended'));
    });
  });
}

function hasNoBody(status: number): boolean {
  return status === 204 || status === 304 || status < 200;
}

class FaultProxyServer implements FaultProxy {
  url = '';
  readonly seed: number;
  readonly log: FaultLogEntry[] = [];

  readonly #target: URL;
  readonly #server: Server;
  /** A private keep-alive pool, destroyed on close so no upstream socket outlives the proxy. */
  readonly #agent = new Agent({ keepAlive: true });
  readonly #upstream = new Set<ClientRequest>();
  readonly #timers = new Map<ReturnType<typeof setTimeout>, () => void>();
  #plan: FaultPlan;
  #random: () => number;
  #nextIndex = 0;
  #closing: Promise<void> | undefined;

  constructor(options: FaultProxyOptions) {
    let target: URL;
    try {
      target = new URL(options.target);
    } catch (err) {
      throw new TypeError(`fault-proxy: target must be an absolute URL, got ${String(options.target)}`, { cause: err });
    }
    if (target.protocol !== 'http:') {
      throw new TypeError(`fault-proxy: target must be an http: URL (the local receiver), got ${target.href}`);
    }
    const seed = options.seed ?? DEFAULT_SEED;
    if (!Number.isInteger(seed)) throw new TypeError(`fault-proxy: seed must be an integer, got ${seed}`);
    this.#target = target;
    this.seed = seed;
    this.#plan = options.plan ?? plans.pass;
    this.#random = mulberry32(seed);
    this.#server = createServer((req, res) => this.#onRequest(req, res));
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(0, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}${PUSH_PATH}`;
  }

  setPlan(plan: FaultPlan): void {
    this.#plan = plan;
    this.#nextIndex = 0;
    this.#random = mulberry32(this.seed);
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      for (const [timer, wake] of this.#timers) {
        clearTimeout(timer);
        wake();
      }
      this.#timers.clear();
      for (const up of this.#upstream) up.destroy();
      this.#upstream.clear();
      this.#agent.destroy();
      this.#server.close(() => resolve());
      // Ends hanging requests and idle keep-alive sockets; without it close() waits for them.
      this.#server.closeAllConnections();
    });
    return this.#closing;
  }

  // ── request handling ──

  #onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.#closing) {
      req.socket.destroy();
      return;
    }
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'POST' || path !== PUSH_PATH) {
      this.#passThrough(req, res);
      return;
    }

    // Decide on arrival, synchronously: the index and the random draw follow arrival order.
    const index = this.#nextIndex++;
    let action: FaultAction;
    try {
      action = this.#plan(index, this.#random);
      validateAction(action);
    } catch (err) {
      req.resume();
      this.#answer(res, 500, `fault-proxy: the plan failed for request ${index}: ${String(err)}`);
      return;
    }
    const entry: FaultLogEntry = { index, action: action.kind, bodyBytes: 0 };
    this.log.push(entry);

    readBody(req)
      .then((body) => {
        entry.bodyBytes = body.length;
        return this.#perform(action, body, req, res, entry);
      })
      .catch((err: unknown) => {
        // A client that left, or an internal bug: never leave the socket half-open.
        if (!this.#closing && !res.headersSent && !res.destroyed) {
          this.#answer(res, 500, `fault-proxy internal error: ${String(err)}`);
        } else {
          res.destroy();
        }
      });
  }

  async #perform(
    action: FaultAction,
    body: Buffer,
    req: IncomingMessage,
    res: ServerResponse,
    entry: FaultLogEntry,
  ): Promise<void> {
    if (this.#closing) return;
    switch (action.kind) {
      case 'pass': {
        const up = await this.#forwardPush(body, req.headers);
        if (up === undefined) return;
        entry.status = up.status;
        this.#relay(res, up);
        return;
      }
      case 'reset':
        this.#reset(req);
        return;
      case 'hang':
        // Nothing to do: the response stays open until the client gives up or close()
        // calls closeAllConnections().
        return;
      case 'status':
        this.#answer(res, action.status, action.body ?? `fault-proxy: injected ${action.status}`, action.retryAfter);
        return;
      case 'store-then-reset': {
        const up = await this.#forwardPush(body, req.headers);
        if (up !== undefined) entry.status = up.status;
        if (!this.#closing) this.#reset(req);
        return;
      }
      case 'store-then-status': {
        const up = await this.#forwardPush(body, req.headers);
        if (up === undefined) return;
        entry.status = up.status;
        this.#answer(
          res,
          action.status,
          `fault-proxy: injected ${action.status} after the receiver answered ${up.status}`,
          action.retryAfter,
        );
        return;
      }
      case 'delay':
        if (!(await this.#sleep(action.ms))) return;
        await this.#perform(action.then, body, req, res, entry);
        return;
    }
  }

  /**
   * Forwards a push to the target. Resolves undefined when the proxy closed meanwhile; a
   * target that fails becomes a 502 answer, like from a real gateway.
   */
  async #forwardPush(body: Buffer, incoming: IncomingHttpHeaders): Promise<UpstreamAnswer | undefined> {
    const headers: Record<string, string | string[]> = {};
    for (const name of FORWARDED_REQUEST_HEADERS) {
      const value = incoming[name];
      if (value !== undefined) headers[name] = value;
    }
    return this.#forward('POST', this.#target.pathname + this.#target.search, headers, body);
  }

  async #forward(
    method: string,
    path: string,
    headers: OutgoingHttpHeaders,
    body: Buffer,
  ): Promise<UpstreamAnswer | undefined> {
    try {
      return await new Promise<UpstreamAnswer>((resolve, reject) => {
        const up = httpRequest(
          {
            protocol: this.#target.protocol,
            hostname: this.#target.hostname,
            port: this.#target.port,
            method,
            path,
            headers: { ...headers, 'content-length': String(body.length) },
            agent: this.#agent,
          },
          (upRes) => {
            const chunks: Buffer[] = [];
            upRes.on('data', (chunk: Buffer) => chunks.push(chunk));
            upRes.on('end', () =>
              resolve({ status: upRes.statusCode ?? 502, headers: upRes.headers, body: Buffer.concat(chunks) }),
            );
            upRes.on('error', reject);
          },
        );
        this.#upstream.add(up);
        up.on('close', () => {
          this.#upstream.delete(up);
          reject(new Error('fault-proxy: upstream request closed before its answer ended'));
        });
        up.on('error', reject);
        up.end(body);
      });
    } catch (err) {
      if (this.#closing) return undefined;
      return {
        status: 502,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: Buffer.from(`fault-proxy: target ${this.#target.href} failed: ${String(err)}`),
      };
    }
  }

  /** CORS preflights, /ready and the like: forwarded untouched, outside the plan and the log. */
  #passThrough(req: IncomingMessage, res: ServerResponse): void {
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    readBody(req)
      .then((body) => this.#forward(req.method ?? 'GET', req.url ?? '/', headers, body))
      .then((up) => {
        if (up !== undefined) this.#relay(res, up);
      })
      .catch(() => res.destroy());
  }

  #relay(res: ServerResponse, up: UpstreamAnswer): void {
    if (this.#closing || res.destroyed) return;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(up.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
    }
    if (!hasNoBody(up.status)) headers['content-length'] = String(up.body.length);
    res.writeHead(up.status, headers);
    res.end(hasNoBody(up.status) ? undefined : up.body);
  }

  #answer(res: ServerResponse, status: number, body: string, retryAfter?: string): void {
    if (this.#closing || res.destroyed) return;
    const headers: OutgoingHttpHeaders = { ...CORS_HEADERS };
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    if (hasNoBody(status)) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    headers['content-type'] = 'text/plain; charset=utf-8';
    res.writeHead(status, headers);
    res.end(body);
  }

  /** A TCP RST, so the client sees ECONNRESET rather than a clean end of stream. */
  #reset(req: IncomingMessage): void {
    const socket = req.socket;
    if (socket.destroyed) return;
    socket.resetAndDestroy();
  }

  /** Resolves true after ms, or false as soon as the proxy closes. */
  #sleep(ms: number): Promise<boolean> {
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        resolve(!this.#closing);
      }, ms);
      this.#timers.set(timer, () => resolve(false));
    });
  }
}
