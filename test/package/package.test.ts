/**
 * The package as a user gets it: `npm pack`, installed into a scratch project outside the repo,
 * used from ESM, CommonJS and TypeScript, linted by publint and @arethetypeswrong/cli.
 * Runs against the built `dist/` (`npm run build` first); packs and installs once.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import nodeResolve from '@rollup/plugin-node-resolve';
import { publint } from 'publint';
import { rollup } from 'rollup';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = (name: string) => join(repo, 'node_modules', '.bin', name);
const TIMEOUT_MS = 120_000;

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command without a shell; resolves with its exit code and output, never rejects on a non-zero exit. */
function run(file: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: options.cwd, env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`));
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** A loopback port nobody listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function describeRun(result: RunResult): string {
  return `exit ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

interface PackedFile {
  path: string;
}

let scratch: string;
let consumer: string;
let tarball: string;
let packedFiles: string[];
let pkg: { files: string[]; exports: unknown; main: string; module: string; types: string };

beforeAll(async () => {
  for (const file of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'cloudlog.min.js']) {
    if (!existsSync(join(repo, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` before the package tests.`);
  }
  pkg = JSON.parse(await readFile(join(repo, 'package.json'), 'utf8')) as typeof pkg;
  // realpath: tsc --listFiles prints resolved paths (tmpdir may be a symlink, as on macOS).
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'cloudlog-package-')));

  // --ignore-scripts: pack exactly the dist/ under test, never rebuild it behind our back.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], { cwd: repo });
  expect(pack.code, describeRun(pack)).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as [{ filename: string; files: PackedFile[] }];
  tarball = join(scratch, packed.filename);
  packedFiles = packed.files.map((file) => file.path).sort();

  consumer = join(scratch, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'cloudlog-consumer', private: true, version: '0.0.0' }, null, 2));
  // ky comes from the npm cache (this repo installed it); the registry only if the cache lacks it.
  const npmInstall = (mode: string) => run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', mode, tarball], { cwd: consumer });
  let install = await npmInstall('--offline');
  if (install.code !== 0) install = await npmInstall('--prefer-offline');
  expect(install.code, describeRun(install)).toBe(0);
}, TIMEOUT_MS);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the packed tarball', { timeout: TIMEOUT_MS }, () => {
  it('holds only what ships: the dist files named in `files`, package.json, README and LICENSE', () => {
    const mayShip = (path: string) =>
      path === 'package.json' || /^(README|LICENSE|LICENCE)(\.md|\.txt)?$/i.test(path) || pkg.files.includes(path);
    expect(packedFiles.filter((path) => !mayShip(path))).toEqual([]);
    // Every file listed in `files` is really there (a build that forgot one fails here).
    for (const file of pkg.files) expect(packedFiles).toContain(file);
    expect(packedFiles.filter((path) => /^(src|test|e2e|bench|docs|examples|node_modules)\/|\.map$|\.tsbuildinfo$|\.test\./.test(path))).toEqual([]);
    if (existsSync(join(repo, 'README.md'))) expect(packedFiles).toContain('README.md');
    if (existsSync(join(repo, 'LICENSE'))) expect(packedFiles).toContain('LICENSE');
  });

  it('every target of main, module, types and the exports map is in the tarball', () => {
    const targets = new Set<string>([pkg.main, pkg.module, pkg.types]);
    const walk = (value: unknown): void => {
      if (typeof value === 'string') targets.add(value);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(pkg.exports);
    for (const target of targets) expect(packedFiles).toContain(target.replace(/^\.\//, ''));
  });

  it('installs into a project outside the repo with its dependencies', () => {
    expect(existsSync(join(consumer, 'node_modules', 'cloudlog', 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(consumer, 'node_modules', 'ky', 'package.json'))).toBe(true);
  });
});

describe('what each kind of consumer resolves `cloudlog` to', { timeout: TIMEOUT_MS }, () => {
  /** The files a rollup build of `import { createLogger } from 'cloudlog'` in the consumer pulls from the package. */
  async function bundled(resolveOptions: Parameters<typeof nodeResolve>[0]): Promise<string[]> {
    const entry = join(consumer, 'entry.js');
    await writeFile(entry, "import { createLogger } from 'cloudlog';\ncreateLogger({ url: 'https://logs.example.com/loki/api/v1/push' }).info('hi');\n");
    const build = await rollup({ input: entry, plugins: [nodeResolve(resolveOptions)], onwarn: () => {} });
    const { output } = await build.generate({ format: 'es' });
    await build.close();
    return Object.keys(output[0].modules).map((id) => id.slice(id.lastIndexOf('node_modules/') + 'node_modules/'.length)).sort();
  }

  it('a bundler building for browsers (Vite, webpack, esbuild): dist/browser.js, without ky or Node-only code', async () => {
    const files = await bundled({ browser: true });
    expect(files).toContain('cloudlog/dist/browser.js');
    expect(files.filter((file) => file.startsWith('ky/'))).toEqual([]);
    const code = await readFile(join(consumer, 'node_modules', 'cloudlog', 'dist', 'browser.js'), 'utf8');
    expect(code).not.toMatch(/from 'ky'|beforeExit|getBuiltinModule/);
  });

  it('edge runtimes (Cloudflare workerd, Vercel edge-light) and Node: dist/index.js, with ky', async () => {
    for (const exportConditions of [['workerd', 'worker', 'browser'], ['edge-light', 'worker', 'browser'], ['node']]) {
      const files = await bundled({ browser: false, exportConditions });
      expect(files, exportConditions.join()).toContain('cloudlog/dist/index.js');
      expect(files.some((file) => file.startsWith('ky/')), exportConditions.join()).toBe(true);
    }
    const node = await run('node', ['--input-type=module', '-e', "console.log(import.meta.resolve('cloudlog'))"], { cwd: consumer });
    expect(node.stdout.trim()).toMatch(/node_modules\/cloudlog\/dist\/index\.js$/);
  });
});

describe('the installed package at runtime', { timeout: TIMEOUT_MS }, () => {
  let receiver: LokiReceiver;
  beforeAll(async () => {
    receiver = await startLokiReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  // The scripts print one JSON line: flush's answer and the stats. They must exit on their own:
  // the SDK never keeps a Node process alive (unref'd timers), so no process.exit here.
  const body = (service: string, via: string) => `
    const log = createLogger({ url: process.env.PUSH_URL, labels: { service_name: '${service}' } });
    log.info('hello from the package', { via: '${via}', answer: 42, nested: { ok: true } });
    const flushed = await log.flush(10000);
    await log.close();
    console.log(JSON.stringify({ flushed, stats: log.stats() }));`;

  const cases = [
    {
      name: 'ESM: import { createLogger } from "cloudlog"',
      service: 'package-esm',
      args: (script: string) => ['--input-type=module', '-e', `import { createLogger } from 'cloudlog';\n${script}`],
      via: 'import',
    },
    {
      name: 'CJS: require("cloudlog")',
      service: 'package-cjs',
      args: (script: string) => ['-e', `const { createLogger } = require('cloudlog');\n(async () => {${script}\n})();`],
      via: 'require',
    },
  ];

  for (const { name, service, args, via } of cases) {
    it(`${name} logs one entry that arrives with its fields`, async () => {
      const before = Date.now();
      const result = await run(process.execPath, args(body(service, via)), { cwd: consumer, env: { PUSH_URL: receiver.url }, timeoutMs: 30_000 });
      expect(result.code, describeRun(result)).toBe(0);
      expect(result.stderr).toBe('');
      const report = JSON.parse(result.stdout.trim()) as { flushed: boolean; stats: { sent: number; dropped: { total: number } } };
      expect(report.flushed).toBe(true);
      expect(report.stats.sent).toBe(1);
      expect(report.stats.dropped.total).toBe(0);

      const entries = receiver.entries({ service_name: service });
      expect(entries).toHaveLength(1);
      const [entry] = entries;
      expect(entry?.stream).toEqual({ service_name: service });
      expect(JSON.parse(entry?.line ?? '')).toEqual({ level: 'info', msg: 'hello from the package', via, answer: 42, nested: { ok: true } });
      // ns as a decimal string, captured at the log call.
      expect(entry?.ts).toMatch(/^\d{19}$/);
      const ms = Number(BigInt(entry?.ts ?? '0') / 1_000_000n);
      expect(ms).toBeGreaterThanOrEqual(before);
      expect(ms).toBeLessThanOrEqual(Date.now());
    });
  }
  // Unreachable endpoints are what retries exist for. ky < 1.14.2 never settles a POST whose fetch
  // rejects before reading the request body (its cleanup awaits the cancel of a tee'd body that
  // nobody reads; sindresorhus/ky#690, #709): delivery stalls with no retry and no error. A refused
  // connection reads the body first in undici; a fetch-spec "bad port" (10080) does not, and neither
  // does a browser that is offline or a fetch blocked by CSP. dist/index.cjs bundles ky, so this
  // checks the ky inside dist/ as well as the one npm installs next to it.
  const unreachable = [
    { what: 'a refused connection', url: async () => `http://127.0.0.1:${await closedPort()}/loki/api/v1/push` },
    { what: 'a fetch that fails before reading the body (bad port)', url: async () => 'http://127.0.0.1:10080/loki/api/v1/push' },
  ];
  for (const { name, args } of cases) {
    for (const { what, url } of unreachable) {
      it(`${name}: ${what} is retried and reported, not hung`, async () => {
        const script = `
    const log = createLogger({ url: process.env.PUSH_URL, labels: { service_name: 'unreachable' }, requestTimeoutMs: 2000, closeTimeoutMs: 100 });
    log.error('nobody is listening');
    const flushed = await log.flush(3000);
    const stats = log.stats();
    await log.close();
    console.log(JSON.stringify({ flushed, retries: stats.retries, lastError: stats.lastError?.message ?? null }));`;
        const result = await run(process.execPath, args(script), { cwd: consumer, env: { PUSH_URL: await url() }, timeoutMs: 30_000 });
        expect(result.code, describeRun(result)).toBe(0);
        const report = JSON.parse(result.stdout.trim()) as { flushed: boolean; retries: number; lastError: string | null };
        expect(report.flushed).toBe(false);
        expect(report, 'delivery stalled: no retry, no error recorded').toMatchObject({ lastError: expect.stringMatching(/push failed/) });
        expect(report.retries).toBeGreaterThanOrEqual(1);
      });
    }
  }
});

describe('the packed types', { timeout: TIMEOUT_MS }, () => {
  // Uses every public type so that a missing or `any` export is an error; @ts-expect-error lines
  // fail to compile if the types ever degrade to `any`.
  const consumerSource = (kind: 'esm' | 'cjs') => `
import { createLogger, CloudlogError, ConfigError, HttpError } from 'cloudlog';
import type { DropReason, Fields, LevelName, LogMethod, Logger, LoggerEvent, LoggerOptions, LoggerStats } from 'cloudlog';

const options: LoggerOptions = {
  url: new URL('http://127.0.0.1:3100/loki/api/v1/push'),
  labels: { service_name: 'typed-${kind}' },
  level: 'debug',
  onEvent: (event: LoggerEvent) => {
    if (event.type === 'dropped') {
      const reason: DropReason = event.reason;
      void reason;
    }
  },
};
const log: Logger = createLogger(options);
const fields: Fields = { userId: 42 };
const info: LogMethod = log.info;
info('typed', fields);
const child: Logger = log.child({ component: 'checkout' });
child.error('payment failed', { err: new Error('boom', { cause: new Error('card') }) });
const level: LevelName = log.level;
const flushed: Promise<boolean> = log.flush(1000);
const closed: Promise<void> = log.close();
const stats: LoggerStats = log.stats();
const sent: number = stats.sent;
const configError: TypeError = new ConfigError('bad option');
const httpError: CloudlogError = new HttpError(503, 'unavailable');
const status: number = (httpError as HttpError).status;

// @ts-expect-error -- 'verbose' is not a level.
createLogger({ url: 'http://127.0.0.1:3100/loki/api/v1/push', level: 'verbose' });
// @ts-expect-error -- url is required.
createLogger({ labels: { service_name: 'x' } });
// @ts-expect-error -- fields are the second argument, not a number.
log.warn('slow', 840);

void [level, flushed, closed, sent, configError, status];
`;

  it('type-check from "module": "nodenext" ESM (.mts) and CJS (.cts), resolving index.d.ts and index.d.cts', async () => {
    const dir = join(consumer, 'typed');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'esm.mts'), consumerSource('esm'));
    await writeFile(join(dir, 'cjs.cts'), consumerSource('cjs'));
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify(
        {
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            // A server-side consumer: Node's globals, no DOM lib. The packed types must not need it.
            lib: ['es2022'],
            types: ['node'],
            typeRoots: [join(repo, 'node_modules', '@types')],
            strict: true,
            exactOptionalPropertyTypes: true,
            noUncheckedIndexedAccess: true,
            // Check the shipped declaration files themselves too.
            skipLibCheck: false,
            noEmit: true,
          },
          files: ['esm.mts', 'cjs.cts'],
        },
        null,
        2,
      ),
    );
    const result = await run(bin('tsc'), ['-p', join(dir, 'tsconfig.json'), '--listFiles'], { cwd: dir });
    expect(result.code, describeRun(result)).toBe(0);
    const listed = result.stdout.split('\n').map((line) => line.trim());
    // The ESM file got the ESM declarations and the CJS file the CJS ones, both from the installed package.
    expect(listed).toContain(join(consumer, 'node_modules', 'cloudlog', 'dist', 'index.d.ts'));
    expect(listed).toContain(join(consumer, 'node_modules', 'cloudlog', 'dist', 'index.d.cts'));
  });
});

describe('package linters', { timeout: TIMEOUT_MS }, () => {
  it('publint --strict: no errors or warnings', async () => {
    const { messages, pkg: lintedPkg } = await publint({ pkgDir: repo, strict: true, pack: 'npm' });
    const problems = messages.filter((message) => message.type !== 'suggestion');
    expect(problems.map((message) => formatMessage(message, lintedPkg) ?? message.code)).toEqual([]);
  });

  it('@arethetypeswrong/cli on the packed tarball: no problems in any resolution mode', async () => {
    // No --ignore-rules: ky is ESM-only, but the CJS build bundles it, so nothing is left for attw to flag.
    const result = await run(bin('attw'), [tarball, '--format', 'json'], { cwd: repo });
    expect(result.code, describeRun(result)).toBe(0);
    const report = JSON.parse(result.stdout) as { problems?: unknown; analysis?: { types?: { kind?: string } } };
    expect(report.analysis?.types?.kind).toBe('included');
    expect(Object.values(report.problems ?? {}).flat()).toEqual([]);
  });
});

describe('SSR: importing in Node never touches browser globals', { timeout: TIMEOUT_MS }, () => {
  let receiver: LokiReceiver;
  beforeAll(async () => {
    receiver = await startLokiReceiver();
  });
  afterAll(async () => {
    await receiver?.close();
  });

  // The browser globals are booby-trapped before the import: a getter that records the access and
  // throws (or answers undefined). Then the module is imported, and a logger created, used and flushed
  // the way a server render would.
  const trap = (mode: 'throwing' | 'undefined', service: string) => `
    const touched = [];
    for (const name of ['window', 'document', 'self', 'location', 'localStorage', 'sessionStorage', 'indexedDB']) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() { touched.push(name); ${mode === 'throwing' ? "throw new Error('SSR: touched ' + name);" : 'return undefined;'} },
      });
    }
    const check = async (mod) => {
      const log = mod.createLogger({ url: process.env.PUSH_URL, labels: { service_name: '${service}' } });
      log.info('rendered on the server', { route: '/' });
      const flushed = await log.flush(10000);
      await log.close();
      console.log(JSON.stringify({ touched, flushed, sent: log.stats().sent }));
    };`;

  const cases = [
    {
      name: 'ESM dist/index.js',
      args: (script: string) => ['--input-type=module', '-e', `${script}\nawait check(await import(${JSON.stringify(join(repo, 'dist', 'index.js'))}));`],
    },
    {
      name: 'CJS dist/index.cjs',
      args: (script: string) => ['-e', `${script}\ncheck(require(${JSON.stringify(join(repo, 'dist', 'index.cjs'))}));`],
    },
  ];

  for (const [i, { name, args }] of cases.entries()) {
    for (const mode of ['throwing', 'undefined'] as const) {
      it(`${name} with window/document/… ${mode === 'throwing' ? 'as throwing getters' : 'undefined'}: imports, logs, flushes`, async () => {
        const service = `ssr-${i}-${mode}`;
        const result = await run(process.execPath, args(trap(mode, service)), { cwd: repo, env: { PUSH_URL: receiver.url }, timeoutMs: 30_000 });
        expect(result.code, describeRun(result)).toBe(0);
        expect(JSON.parse(result.stdout.trim())).toEqual({ touched: [], flushed: true, sent: 1 });
        expect(receiver.entries({ service_name: service }).map((entry) => JSON.parse(entry.line))).toEqual([
          { level: 'info', msg: 'rendered on the server', route: '/' },
        ]);
      });
    }
  }
});
