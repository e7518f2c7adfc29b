// Bundle size of the <script> build: dist/cloudlog.min.js minified, gzip (zlib level 9) and
// brotli (quality 11), and how much of it is ky.
//
// The ky share is measured by bundling what cloudlog imports from ky (`default`, `TimeoutError`)
// alone, with rollup + node-resolve (browser) + terser exactly as rollup.config.mjs builds the
// IIFE (its terser plugin instance is reused when the config can be loaded). For the other side,
// cloudlog's own code is bundled the same way from dist/index.js with ky left external.
// gzip sizes do not add up exactly (one dictionary vs two), so both sides are shown.
//
// Run: npm run build && node bench/bundle-size.mjs
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import { rollup } from 'rollup';
import { emitResult } from './support/workload.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const IIFE = `${root}dist/cloudlog.min.js`;
const GOAL_GZ = 12 * 1024;

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

/** The IIFE's output plugins from rollup.config.mjs, so the comparison uses the very same terser setup. */
async function iifeOutputPlugins() {
  try {
    const { default: configs } = await import(`${root}rollup.config.mjs`);
    for (const config of [configs].flat()) {
      for (const output of [config.output].flat()) {
        if (output?.format === 'iife' && output.plugins) return { plugins: output.plugins, from: 'rollup.config.mjs' };
      }
    }
  } catch {
    // Fall through to the same options written here.
  }
  return {
    plugins: [terser({ ecma: 2020, compress: { passes: 2 }, mangle: { properties: { regex: /^#/ } } })],
    from: 'bench/bundle-size.mjs (copy of the config options)',
  };
}

/** A virtual entry module, so the measured bundle contains exactly what cloudlog imports. */
function virtualEntry(id, code) {
  return {
    name: 'virtual-entry',
    resolveId: (source) => (source === id ? id : null),
    load: (source) => (source === id ? code : null),
  };
}

async function bundle({ input, plugins, external, globals, outputPlugins }) {
  const build = await rollup({ input, plugins, external, onwarn: () => {} });
  const { output } = await build.generate({ format: 'iife', name: 'bench', globals, plugins: outputPlugins });
  await build.close();
  return output[0].code;
}

const { plugins: outputPlugins, from } = await iifeOutputPlugins();
const whole = sizes(await readFile(IIFE));

const kyOnly = sizes(
  await bundle({
    input: 'ky-entry',
    plugins: [virtualEntry('ky-entry', "export { default, TimeoutError } from 'ky';"), nodeResolve({ browser: true })],
    outputPlugins,
  }),
);

const ownOnly = sizes(
  await bundle({
    input: `${root}dist/index.js`,
    plugins: [],
    external: ['ky'],
    globals: { ky: 'ky' },
    outputPlugins,
  }),
);

const kib = (n) => `${(n / 1024).toFixed(2)} KiB`;
const pct = (part) => `${((100 * part) / whole.gzip).toFixed(0)}%`;
console.log(`bundle size (terser settings from ${from})`);
console.log(`  ${'dist/cloudlog.min.js'.padEnd(34)} ${kib(whole.min).padStart(10)} min, ${kib(whole.gzip).padStart(10)} min+gz, ${kib(whole.brotli).padStart(10)} brotli   (goal ≤ 12 KiB min+gz)`);
console.log(`  ${'ky alone (default + TimeoutError)'.padEnd(34)} ${kib(kyOnly.min).padStart(10)} min, ${kib(kyOnly.gzip).padStart(10)} min+gz, ${kib(kyOnly.brotli).padStart(10)} brotli   ≈ ${pct(kyOnly.gzip)} of the IIFE gz`);
console.log(`  ${'cloudlog without ky'.padEnd(34)} ${kib(ownOnly.min).padStart(10)} min, ${kib(ownOnly.gzip).padStart(10)} min+gz, ${kib(ownOnly.brotli).padStart(10)} brotli   ≈ ${pct(ownOnly.gzip)} of the IIFE gz`);

// `ok` is about the measurement itself; the goal is judged in run-all.mjs.
emitResult({ iife: whole, ky: kyOnly, own: ownOnly, goalGzip: GOAL_GZ, withinGoal: whole.gzip <= GOAL_GZ, terserFrom: from, ok: true });
