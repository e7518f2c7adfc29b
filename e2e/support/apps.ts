/**
 * Framework apps for the end-to-end tests (e2e/apps/<name>/): built by Vite's JS API, in memory
 * (`write: false`, nothing lands on disk), in production mode, the way a user ships them; then
 * served by the test's static site under `/<name>/`, with its strict CSP.
 *
 * The apps `import { createLogger } from 'cloudlog'`; the bare name resolves to this package
 * (a self-reference), so Vite goes through the package's own `exports` map (its "browser" condition) to
 * `dist/browser.js` (run `npm run build` first), and bundles idb-keyval from node_modules as a
 * user's build would.
 */
import { fileURLToPath } from 'node:url';
import { build, createLogger as createViteLogger, type Rolldown } from 'vite';
import type { StaticSite } from './static-server.js';

export type AppName = 'react' | 'vue';

/** What each app puts on `window` for the test (see e2e/apps/<name>/log.js). */
declare global {
  interface Window {
    e2eApp?: {
      /** What the app's error handler was given, as the app saw it. */
      caught: Array<Record<string, unknown>>;
      flush(timeoutMs?: number): Promise<boolean>;
      stats(): Record<string, unknown> & { sent: number; enqueued: number; queued: number; dropped: { total: number } };
    };
  }
}

export interface BuiltApp {
  name: AppName;
  /** Module scripts Vite's index.html loads, as URL paths (`/<name>/assets/index-<hash>.js`). */
  entryScripts: string[];
  /** Every emitted JavaScript file, by URL path. */
  files: Map<string, string>;
  /** The index.html Vite wrote (checked, not served: the static site writes its own HTML). */
  html: string;
  /** Module ids that went into the bundle (absolute paths). */
  moduleIds: string[];
  /** Vite/Rolldown warnings during the build (expected: none). */
  warnings: string[];
  buildMs: number;
}

const appsDir = fileURLToPath(new URL('../apps/', import.meta.url));

/** Builds e2e/apps/<name> for production, in memory. */
export async function buildApp(name: AppName): Promise<BuiltApp> {
  const started = Date.now();
  const warnings: string[] = [];
  const logger = createViteLogger('warn', { allowClearScreen: false });
  const quietLogger = {
    ...logger,
    warn: (message: string) => void warnings.push(message),
    warnOnce: (message: string) => void warnings.push(message),
  };

  // Vite sets NODE_ENV for the process it runs in; keep the Playwright worker's as it was.
  const nodeEnv = process.env.NODE_ENV;
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({
      root: appsDir + name,
      base: `/${name}/`,
      mode: 'production',
      configFile: false,
      envDir: false,
      logLevel: 'warn',
      customLogger: quietLogger,
      clearScreen: false,
      // No alias: the bare 'cloudlog' resolves as a package self-reference (the apps live inside
      // this package), through its exports map, as in a user's project. (An alias to the repo's
      // directory would skip the exports map: Node's rules apply it to package names only.)
      // React's JSX without @vitejs/plugin-react: Vite's own transform, automatic runtime.
      oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
      // What @vitejs/plugin-vue would define for Vue's esm-bundler build.
      define: {
        __VUE_OPTIONS_API__: 'true',
        __VUE_PROD_DEVTOOLS__: 'false',
        __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
      },
      build: {
        write: false,
        // Vite puts the polyfill in the entry chunk (not inline); browsers with native modulepreload need none.
        modulePreload: { polyfill: false },
        reportCompressedSize: false,
        sourcemap: false,
      },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  if (!Array.isArray(result) && !('output' in result)) throw new Error(`vite build of ${name}: expected build output, got a watcher`);
  const outputs: Rolldown.RolldownOutput[] = Array.isArray(result) ? result : [result];

  const files = new Map<string, string>();
  const moduleIds: string[] = [];
  let html: string | undefined;
  for (const item of outputs.flatMap((output) => output.output)) {
    if (item.type === 'chunk') {
      files.set(`/${name}/${item.fileName}`, item.code);
      moduleIds.push(...item.moduleIds);
    } else if (item.fileName === 'index.html') {
      html = typeof item.source === 'string' ? item.source : new TextDecoder().decode(item.source);
    } else {
      throw new Error(`vite build of ${name}: unexpected asset ${item.fileName} (the static site serves JavaScript only)`);
    }
  }
  if (html === undefined) throw new Error(`vite build of ${name}: no index.html in the output`);

  return { name, entryScripts: entryScriptsOf(name, html), files, html, moduleIds, warnings, buildMs: Date.now() - started };
}

/**
 * The module scripts of Vite's index.html, after checking that the HTML holds nothing a strict
 * CSP would block: no inline script (what a plugin or an inlined entry would add), no inline
 * style or event-handler attribute, and nothing but module scripts and preload hints to load.
 */
function entryScriptsOf(name: AppName, html: string): string[] {
  const problems: string[] = [];
  const scripts: string[] = [];
  for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    const [, attributes = '', body = ''] = match;
    const src = /\bsrc="([^"]+)"/.exec(attributes)?.[1];
    if (src === undefined || body.trim() !== '') problems.push(`inline script: ${match[0].slice(0, 120)}`);
    else if (!/\btype="module"/.test(attributes)) problems.push(`classic script: ${match[0]}`);
    else scripts.push(src);
  }
  if (/<style\b/i.test(html)) problems.push('inline <style>');
  if (/\sstyle=/i.test(html)) problems.push('style attribute');
  if (/\son[a-z]+=/i.test(html)) problems.push('event-handler attribute');
  for (const link of html.match(/<link\b[^>]*>/gi) ?? []) {
    if (!/\brel="modulepreload"/.test(link)) problems.push(`unsupported link: ${link}`);
  }
  if (scripts.length === 0) problems.push('no module script');
  for (const src of scripts) if (!src.startsWith(`/${name}/`)) problems.push(`script outside /${name}/: ${src}`);
  if (problems.length > 0) throw new Error(`vite build of ${name}: index.html is not CSP-clean:\n  ${problems.join('\n  ')}\n${html}`);
  return scripts;
}

/**
 * Serves a built app on the site under `/<name>/` with the site's strict CSP, allowed to connect
 * to `pushOrigin`. Returns the page URL; the app reads its push URL from `?cloudlog-url=`.
 */
export function serveApp(site: StaticSite, app: BuiltApp, push: { url: string; origin: string }): string {
  for (const [path, code] of app.files) site.script(path, code);
  const page = site.page(`/${app.name}/index.html`, {
    scripts: app.entryScripts.map((src) => ({ src, module: true as const })),
    connectSrc: [push.origin],
    body: `cloudlog e2e: ${app.name}`,
  });
  return `${page}?${new URLSearchParams({ 'cloudlog-url': push.url }).toString()}`;
}
