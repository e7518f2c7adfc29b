// Bundle size: cloudlog's <script> build beside the browser peers, each built the same way.
//
// Rows:
//   - dist/cloudlog.min.js, the CDN file itself (the whole API: what the ≤ 12 KiB goal is about);
//   - one minimal "send one log" page per library, bench/bundles/<lib>.js, each bundled by this
//     script the same way: rollup + node-resolve (browser) + commonjs (some peers pull in CJS
//     packages, e.g. Faro's ua-parser-js) + terser with the very options rollup.config.mjs uses for
//     the IIFE, output IIFE; then gzip level 9 and brotli q11 of the minified code. cloudlog's page
//     imports the package by name like the peers' do, so the exports map's "browser" condition
//     picks dist/browser.js, as it does for Vite, webpack and esbuild users (run `npm run build`);
//   - for scale: ky bundled alone (the ESM/CJS builds for Node and edge runtimes post with it; the
//     browser builds post with fetch), and the same page built from dist/index.js, what a bundler
//     that ignores the "browser" condition would ship;
//   - for reference, the vendors' own prebuilt CDN files where the npm package ships one
//     (Datadog's bundle/datadog-logs.js, Faro's dist/bundle/faro-web-sdk.iife.js), gzip level 9.
//
// Run: npm run build && node bench/bundle-size.mjs
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import commonjs from '@rollup/plugin-commonjs';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { emitResult } from './support/workload.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const IIFE = `${root}dist/cloudlog.min.js`;
const GOAL_GZ = 12 * 1024;

/** The pages, in the order of the table. `pkg` names the package whose version is reported. */
export const PAGES = [
  { key: 'cloudlog', label: 'cloudlog', pkg: null },
  { key: 'faro', label: 'Grafana Faro Web SDK', pkg: '@grafana/faro-web-sdk' },
  { key: 'datadog', label: 'Datadog browser-logs', pkg: '@datadog/browser-logs' },
  { key: 'sentry', label: 'Sentry browser (logs)', pkg: '@sentry/browser' },
  { key: 'otel', label: 'OpenTelemetry logs (sdk-logs + OTLP/HTTP exporter)', pkg: '@opentelemetry/sdk-logs' },
];

const VENDOR_CDN = [
  { key: 'datadog', file: 'node_modules/@datadog/browser-logs/bundle/datadog-logs.js' },
  { key: 'faro', file: 'node_modules/@grafana/faro-web-sdk/dist/bundle/faro-web-sdk.iife.js' },
];

function sizes(code) {
  const buffer = Buffer.from(code);
  return {
    min: buffer.length,
    gzip: gzipSync(buffer, { level: 9 }).length,
    brotli: brotliCompressSync(buffer, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: buffer.length,
      },
    }).length,
  };
}

/** rollup.config.mjs's IIFE output plugins (its terser options): every page is minified the same way. */
async function projectTerser() {
  const { default: configs } = await import(`${root}rollup.config.mjs`);
  for (const config of [configs].flat()) {
    const output = [config.output].flat().find((o) => o?.format === 'iife');
    if (output?.plugins) return output.plugins;
  }
  throw new Error('rollup.config.mjs has no IIFE output: update bench/bundle-size.mjs');
}

/** A virtual entry module, so the measured bundle contains exactly what cloudlog imports. */
function virtualEntry(id, code) {
  return {
    name: 'virtual-entry',
    resolveId: (source) => (source === id ? id : null),
    load: (source) => (source === id ? code : null),
  };
}

/** Resolves `cloudlog` to dist/index.js: a bundler that ignores the exports map's "browser" condition. */
function cloudlogWithoutBrowserCondition() {
  return { name: 'cloudlog-index', resolveId: (source) => (source === 'cloudlog' ? `${root}dist/index.js` : null) };
}

async function bundle({ input, plugins, external, globals, outputPlugins }) {
  const warnings = [];
  const build = await rollup({ input, plugins, external, onwarn: (w) => warnings.push(w.code) });
  const { output } = await build.generate({ format: 'iife', name: 'bench', globals, plugins: outputPlugins });
  await build.close();
  return { code: output[0].code, warnings: [...new Set(warnings)] };
}

const version = (pkg) => {
  try {
    return JSON.parse(readFileSync(`${root}node_modules/${pkg}/package.json`, 'utf8')).version;
  } catch {
    return 'not installed';
  }
};

const outputPlugins = await projectTerser();
const pagePlugins = () => [nodeResolve({ browser: true }), commonjs()];
const whole = sizes(readFileSync(IIFE));

const pages = {};
for (const page of PAGES) {
  const t0 = performance.now();
  const input = `${root}bench/bundles/${page.key}.js`;
  const { code, warnings } = await bundle({ input, plugins: pagePlugins(), outputPlugins });
  pages[page.key] = { ...sizes(code), version: page.pkg ? version(page.pkg) : 'this build', warnings, buildMs: performance.now() - t0 };
}

const ky = sizes(
  (
    await bundle({
      input: 'ky-entry',
      plugins: [virtualEntry('ky-entry', "export { default, TimeoutError } from 'ky';"), nodeResolve({ browser: true })],
      outputPlugins,
    })
  ).code,
);
const withoutBrowserCondition = sizes(
  (await bundle({ input: `${root}bench/bundles/cloudlog.js`, plugins: [cloudlogWithoutBrowserCondition(), ...pagePlugins()], outputPlugins })).code,
);

const vendorCdn = {};
for (const { key, file } of VENDOR_CDN) if (existsSync(`${root}${file}`)) vendorCdn[key] = { file, ...sizes(readFileSync(`${root}${file}`)) };

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const line = (label, s, extra = '') =>
  console.log(`  ${label.padEnd(58)} ${kib(s.min).padStart(10)} min ${kib(s.gzip).padStart(10)} min+gz ${kib(s.brotli).padStart(10)} brotli${extra}`);
console.log('bundle size: rollup + node-resolve(browser) + commonjs + terser (rollup.config.mjs options), IIFE; gzip -9, brotli q11');
line('dist/cloudlog.min.js (CDN file, whole API)', whole, '   goal ≤ 12 KiB min+gz');
for (const page of PAGES) {
  const p = pages[page.key];
  line(`page "send one log": ${page.label} ${p.version}`, p, `   (${(p.buildMs / 1000).toFixed(1)} s)`);
}
line('ky alone (posts in dist/index.js; not in browser builds)', ky);
line('cloudlog page from dist/index.js (no "browser" condition)', withoutBrowserCondition);
for (const [key, v] of Object.entries(vendorCdn)) line(`vendor's own CDN file: ${key} (${v.file.split('/').pop()})`, v);

emitResult({ iife: whole, pages, ky, withoutBrowserCondition, vendorCdn, goalGzip: GOAL_GZ, withinGoal: whole.gzip <= GOAL_GZ, ok: true });
