// Bundle size: cloudlog's <script> build beside the browser peers, each built the same way.
//
// Rows:
//   - dist/cloudlog.min.js, the CDN file itself (the whole API: what the ≤ 12 KiB goal is about);
//   - one minimal "send one log" page per library, bench/bundles/<lib>.js, each bundled by this
//     script the same way: rollup + node-resolve (browser) + commonjs (some peers pull in CJS
//     packages, e.g. Faro's ua-parser-js) + terser with the very options rollup.config.mjs uses for
//     the IIFE, output IIFE; then gzip level 9 and brotli q11 of the minified code. cloudlog's page
//     is built from src/ with the project's own browser-build plugins (Node-only code dropped), so it
//     is tree-shaken like the peers are;
//   - what ky costs inside cloudlog (ky bundled alone the same way) and cloudlog without ky;
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

/** rollup.config.mjs's IIFE build: its input plugins (browser build target, resolve, TypeScript) and its terser. */
async function projectIife() {
  const { default: configs } = await import(`${root}rollup.config.mjs`);
  for (const config of [configs].flat()) {
    const output = [config.output].flat().find((o) => o?.format === 'iife');
    if (output?.plugins) return { inputPlugins: config.plugins, outputPlugins: output.plugins };
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

/** cloudlog's page imports `cloudlog`: point it at src/index.ts, so the project's plugins build it as for the CDN. */
function cloudlogFromSource() {
  return { name: 'cloudlog-from-source', resolveId: (source) => (source === 'cloudlog' ? `${root}src/index.ts` : null) };
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

const { inputPlugins, outputPlugins } = await projectIife();
const peerPlugins = () => [nodeResolve({ browser: true }), commonjs()];
const whole = sizes(readFileSync(IIFE));

const pages = {};
for (const page of PAGES) {
  const t0 = performance.now();
  const input = `${root}bench/bundles/${page.key}.js`;
  const plugins = page.key === 'cloudlog' ? [cloudlogFromSource(), ...inputPlugins] : peerPlugins();
  const { code, warnings } = await bundle({ input, plugins, outputPlugins });
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
const own = sizes((await bundle({ input: `${root}dist/index.js`, plugins: [], external: ['ky'], globals: { ky: 'ky' }, outputPlugins })).code);

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
line('ky alone (default + TimeoutError)', ky, `   ≈ ${((100 * ky.gzip) / whole.gzip).toFixed(0)}% of the CDN file gz`);
line('cloudlog without ky (dist/index.js, ky external)', own);
for (const [key, v] of Object.entries(vendorCdn)) line(`vendor's own CDN file: ${key} (${v.file.split('/').pop()})`, v);

emitResult({ iife: whole, pages, ky, own, vendorCdn, goalGzip: GOAL_GZ, withinGoal: whole.gzip <= GOAL_GZ, ok: true });
