// Builds every output of the package from src/index.ts:
//   dist/index.js          ESM for bundlers and Node (ky and idb-keyval stay dependencies, deduped by bundlers)
//   dist/index.cjs         CommonJS for require() (ky is ESM-only, so it is bundled in)
//   dist/browser.js        ESM for bundlers building for browsers (the `browser` export condition):
//                          the script-tag bundle's code, unminified, idb-keyval a dependency
//   dist/cloudlog.min.js   minified IIFE for <script>: window.cloudlog.createLogger
//   dist/index.d.ts / .d.cts  bundled type declarations for each module format
// and cloudlog-proxy from src/proxy/ (Node and edge runtimes; never in the SDK's bundles):
//   dist/proxy.js / proxy.cjs / proxy.d.ts / proxy.d.cts   `cloudlog/proxy`
//   dist/proxy-cli.js      the `cloudlog-proxy` bin (ESM, node: built-ins external)
import { chmod } from 'node:fs/promises';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

/** The bin must be executable where it is run straight from dist/ (npm sets the bit on install). */
const executable = () => ({ name: 'executable', writeBundle: (options) => chmod(options.file, 0o755) });

/** The browser builds (script tag, `browser` condition) run in browsers only: src/platform/build-target.ts says so, and Node-only code and ky drop out. */
const browserBundle = () => ({
  name: 'browser-bundle',
  transform: (code, id) => (id.endsWith('/src/platform/build-target.ts') ? 'export const BROWSER_BUNDLE = true;' : null),
});

const ts = (tsconfig = './tsconfig.json') => typescript({ tsconfig, declaration: false, outDir: undefined, rootDir: undefined });

export default [
  {
    input: 'src/index.ts',
    external: ['ky', 'idb-keyval'],
    plugins: [ts()],
    output: { file: 'dist/index.js', format: 'es' },
  },
  {
    input: 'src/index.ts',
    plugins: [nodeResolve({ browser: false }), ts()],
    output: { file: 'dist/index.cjs', format: 'cjs', exports: 'named' },
  },
  {
    input: 'src/index.ts',
    // ky is imported only by code the browser build drops (src/transport/post.ts).
    external: ['ky', 'idb-keyval'],
    treeshake: { moduleSideEffects: 'no-external' },
    plugins: [browserBundle(), ts()],
    output: { file: 'dist/browser.js', format: 'es' },
  },
  {
    input: 'src/index.ts',
    plugins: [browserBundle(), nodeResolve({ browser: true }), ts()],
    output: {
      file: 'dist/cloudlog.min.js',
      format: 'iife',
      name: 'cloudlog',
      plugins: [terser({ ecma: 2020, compress: { passes: 2 }, mangle: { properties: { regex: /^#/ } } })],
    },
  },
  {
    input: 'src/index.ts',
    plugins: [dts()],
    output: [
      { file: 'dist/index.d.ts', format: 'es' },
      { file: 'dist/index.d.cts', format: 'es' },
    ],
  },
  {
    input: 'src/proxy/index.ts',
    external: ['ky'],
    plugins: [ts()],
    output: { file: 'dist/proxy.js', format: 'es' },
  },
  {
    input: 'src/proxy/index.ts',
    plugins: [nodeResolve({ browser: false }), ts()],
    output: { file: 'dist/proxy.cjs', format: 'cjs', exports: 'named' },
  },
  {
    input: 'src/proxy/node/cli.ts',
    external: ['ky', /^node:/],
    // The one place with Node's types: the SDK's tsconfig.json leaves them out, so browser code cannot use Node by mistake.
    plugins: [ts('./src/proxy/node/tsconfig.json'), executable()],
    output: { file: 'dist/proxy-cli.js', format: 'es', banner: '#!/usr/bin/env node' },
  },
  {
    input: 'src/proxy/index.ts',
    plugins: [dts()],
    output: [
      { file: 'dist/proxy.d.ts', format: 'es' },
      { file: 'dist/proxy.d.cts', format: 'es' },
    ],
  },
];
