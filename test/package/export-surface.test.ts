/**
 * The public API as the built files expose it, one list per output. What is not in these lists is
 * not API; a change to them is a change to the API, and shows up here as a diff (Grafana Faro keeps
 * the same kind of test, `export-surface.spec.ts`). Runs against `dist/`: `npm run build` first.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const require = createRequire(import.meta.url);

/** Runtime exports, sorted. Types (Logger, LoggerOptions, …) have no runtime presence; they are checked in package.test.ts. */
const EXPECTED = ['CloudlogError', 'ConfigError', 'HttpError', 'createLogger'];

/** `cloudlog/proxy` (dist/proxy.js, dist/proxy.cjs). Its types (ProxyOptions, ProxyHandler, …) have no runtime presence. */
const EXPECTED_PROXY = ['CloudlogError', 'ConfigError', 'PROXY_DEFAULTS', 'createLocalSink', 'createProxyHandler', 'toNodeListener'];

beforeAll(() => {
  for (const file of ['index.js', 'index.cjs', 'cloudlog.min.js']) {
    if (!existsSync(dist + file)) throw new Error(`dist/${file} is missing: run \`npm run build\` before the package tests.`);
  }
});

describe('export surface', () => {
  it('ESM dist/index.js', async () => {
    const esm = (await import(pathToFileURL(dist + 'index.js').href)) as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPECTED);
    expect(typeof esm.createLogger).toBe('function');
  });

  it('CJS dist/index.cjs', () => {
    const cjs = require(dist + 'index.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(EXPECTED);
    expect(typeof cjs.createLogger).toBe('function');
  });

  it('IIFE dist/cloudlog.min.js defines window.cloudlog and nothing else', () => {
    // A nearly bare context: no DOM, no fetch, only what every browser and worker has and the
    // bundle (ky) reads at load. Anything platform-specific must wait for createLogger.
    const sandbox: Record<string, unknown> = { TextEncoder, TextDecoder };
    sandbox.window = sandbox;
    sandbox.self = sandbox;
    const context = vm.createContext(sandbox);
    vm.runInContext(readFileSync(dist + 'cloudlog.min.js', 'utf8'), context, { filename: 'cloudlog.min.js' });

    const globalsAdded = Object.keys(sandbox).filter((key) => !['window', 'self', 'TextEncoder', 'TextDecoder'].includes(key));
    expect(globalsAdded).toEqual(['cloudlog']);
    const cloudlog = sandbox.cloudlog as Record<string, unknown>;
    expect(Object.keys(cloudlog).sort()).toEqual(EXPECTED);
    expect(typeof cloudlog.createLogger).toBe('function');
  });
});

describe('export surface of cloudlog/proxy', () => {
  beforeAll(() => {
    for (const file of ['proxy.js', 'proxy.cjs', 'proxy.d.ts', 'proxy-cli.js']) {
      if (!existsSync(dist + file)) throw new Error(`dist/${file} is missing: run \`npm run build\` before the package tests.`);
    }
  });

  it('ESM dist/proxy.js', async () => {
    const esm = (await import(pathToFileURL(dist + 'proxy.js').href)) as Record<string, unknown>;
    expect(Object.keys(esm).sort()).toEqual(EXPECTED_PROXY);
  });

  it('CJS dist/proxy.cjs', () => {
    const cjs = require(dist + 'proxy.cjs') as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(EXPECTED_PROXY);
  });

  it('the proxy imports no Node module, so it loads in Workers and edge runtimes', () => {
    for (const file of ['proxy.js', 'proxy.cjs']) expect(readFileSync(dist + file, 'utf8')).not.toMatch(/(from |require\(|import\()\s*['"](node:)?(http|fs|zlib|net|util|path|process)['"/]/);
  });

  it('no proxy code reaches the SDK bundles', () => {
    for (const file of ['index.js', 'index.cjs', 'cloudlog.min.js']) {
      const text = readFileSync(dist + file, 'utf8');
      // The metric names are strings: they survive minification, and only the proxy has them.
      expect(text).not.toContain('cloudlog_proxy_');
      expect(text).not.toMatch(/['"]node:/);
    }
  });

  it('the bin dist/proxy-cli.js is an executable Node script', () => {
    expect(readFileSync(dist + 'proxy-cli.js', 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});
