/**
 * The web server of the end-to-end pages, on 127.0.0.1 (node:http). It serves
 *   - pages and page scripts registered as strings (`site.page()`, `site.script()`),
 *   - the built package under `/dist/` (what users load from a CDN or their bundle),
 *   - ky's ES modules under `/node_modules/ky/distribution/` (for the import-map page),
 *   - optionally `/loki/api/v1/push`, forwarded to the receiver (a same-origin proxy path).
 *
 * Every HTML page gets a strict Content-Security-Policy header: no inline script, no eval, and
 * connections only where the test allows. Page scripts are therefore separate files, as a site
 * with a real CSP would have them; anything the SDK did that such a site forbids shows up as a
 * `securitypolicyviolation` (see `/e2e/csp-watch.js`).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Directories of the repo the server exposes, by URL prefix. Nothing else on disk is reachable. */
const FILE_ROOTS: Record<string, string> = {
  '/dist/': join(repo, 'dist'),
  '/node_modules/ky/distribution/': join(repo, 'node_modules', 'ky', 'distribution'),
  '/node_modules/idb-keyval/dist/': join(repo, 'node_modules', 'idb-keyval', 'dist'),
};

const MIME: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.cjs': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * Records every CSP violation the page sees and reports it on the console (as an error, so a
 * console check catches it too). Loaded first on every page: a violation before it is loaded
 * would be a violation of loading it, which the console check sees anyway.
 */
const CSP_WATCH_JS = `'use strict';
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  const violation = { directive: event.effectiveDirective, blockedURI: event.blockedURI, sample: event.sample, sourceFile: event.sourceFile };
  window.cspViolations.push(violation);
  console.error('CSP violation: ' + JSON.stringify(violation));
});
`;

export const CSP_WATCH_PATH = '/e2e/csp-watch.js';

export interface PageOptions {
  /** Scripts loaded in order after the CSP watcher, by `<script src>`; `{ module }` for ES modules. */
  scripts: Array<string | { src: string; module: true }>;
  /** An inline import map; its SHA-256 is added to `script-src` (the only inline script allowed). */
  importMap?: { imports: Record<string, string> };
  /** Leave the import map's hash out of `script-src` (to show the CSP is enforced). @default true */
  allowImportMap?: boolean;
  /** Origins the page may connect to (`connect-src`). Use `'self'` for the page's own origin. */
  connectSrc: string[];
  /** Text of the page body. */
  body?: string;
}

export interface StaticSite {
  /** http://127.0.0.1:PORT */
  readonly origin: string;
  /** Registers an HTML page; returns its full URL. */
  page(path: string, options: PageOptions): string;
  /** Registers a page script (served as JavaScript, same origin, so `script-src 'self'` allows it). */
  script(path: string, source: string): void;
  /** The Content-Security-Policy a registered page is served with. */
  cspOf(path: string): string | undefined;
  /** Forward `path` (any method) to `targetUrl`: a same-origin push path in front of the receiver. */
  proxy(path: string, targetUrl: string): void;
  /** Paths requested so far, in order (for asserting what a page loaded). */
  readonly requested: string[];
  close(): Promise<void>;
}

interface Served {
  body: string;
  type: string;
  csp?: string;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function sha256Source(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export async function startStaticSite(): Promise<StaticSite> {
  const served = new Map<string, Served>([[CSP_WATCH_PATH, { body: CSP_WATCH_JS, type: MIME['.js']! }]]);
  const proxies = new Map<string, string>();
  const requested: string[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requested.push(path);

    const target = proxies.get(path);
    if (target !== undefined) return forward(req, res, target);

    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    // Browsers ask for it on their own; a 404 would be a console error on every page.
    if (path === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    const entry = served.get(path);
    if (entry !== undefined) {
      const headers: Record<string, string> = { 'content-type': entry.type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };
      if (entry.csp !== undefined) headers['content-security-policy'] = entry.csp;
      res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : entry.body);
      return;
    }
    for (const [prefix, root] of Object.entries(FILE_ROOTS)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(root, decodeURIComponent(path.slice(prefix.length))));
      if (!file.startsWith(root + sep)) break; // ../ escapes: 404
      const type = MIME[extname(file)];
      if (type === undefined) break;
      let body: Buffer;
      try {
        body = await readFile(file);
      } catch {
        break;
      }
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
  }

  /** Streams the request to the target and the answer back, headers included (a minimal reverse proxy). */
  function forward(req: IncomingMessage, res: ServerResponse, target: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers };
      delete headers.host;
      delete headers.connection;
      const upstream = httpRequest(target, { method: req.method, headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        answer.on('end', resolve);
        answer.on('error', reject);
      });
      upstream.on('error', reject);
      req.pipe(upstream);
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    requested,
    page(path, options) {
      const scriptSrc = ["'self'"];
      let head = `<meta charset="utf-8">\n<title>${escapeHtml(path)}</title>\n<script src="${CSP_WATCH_PATH}"></script>\n`;
      if (options.importMap !== undefined) {
        const json = JSON.stringify(options.importMap);
        if (options.allowImportMap ?? true) scriptSrc.push(sha256Source(json));
        head += `<script type="importmap">${json}</script>\n`;
      }
      for (const script of options.scripts) {
        head += typeof script === 'string' ? `<script src="${script}"></script>\n` : `<script type="module" src="${script.src}"></script>\n`;
      }
      const csp = [`default-src 'self'`, `script-src ${scriptSrc.join(' ')}`, `connect-src ${options.connectSrc.join(' ')}`].join('; ');
      const html = `<!doctype html>\n<html lang="en">\n<head>\n${head}</head>\n<body>${escapeHtml(options.body ?? path)}</body>\n</html>\n`;
      served.set(path, { body: html, type: MIME['.html']!, csp });
      return origin + path;
    },
    script(path, source) {
      served.set(path, { body: source, type: MIME['.js']! });
    },
    cspOf(path) {
      return served.get(path)?.csp;
    },
    proxy(path, targetUrl) {
      proxies.set(path, targetUrl);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
