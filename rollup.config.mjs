// Builds every output of the package from src/index.ts:
//   dist/index.js          ESM for bundlers and Node (ky and idb-keyval stay dependencies, deduped by bundlers)
//   dist/index.cjs         CommonJS for require() (ky is ESM-only, so it is bundled in)
//   dist/cloudlog.min.js   minified IIFE for <script>: window.cloudlog.createLogger
//   dist/index.d.ts / .d.cts  bundled type declarations for each module format
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import typescript from '@rollup/plugin-typescript';
import { dts } from 'rollup-plugin-dts';

const ts = () => typescript({ tsconfig: './tsconfig.json', declaration: false, outDir: undefined, rootDir: undefined });

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
    plugins: [nodeResolve({ browser: true }), ts()],
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
];
