/**
 * cloudlog-proxy as a user installs it: `npm pack`, installed into a scratch project outside the
 * repo. The `cloudlog-proxy` bin runs from node_modules/.bin; `cloudlog/proxy` imports from ESM
 * and CommonJS and serves a push; its types compile under "nodenext" without DOM types.
 * Runs against the built dist/ (`npm run build` first).
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { pushBody, send, until } from './stack.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const TIMEOUT_MS = 120_000;

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd, env: { ...process.env, ...env }, timeout: 90_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: typeof error?.code === 'number' ? error.code : error ? 1 : 0, stdout, stderr });
    });
  });
}

let scratch: string;
let consumer: string;
let receiver: LokiReceiver;

beforeAll(async () => {
  for (const file of ['proxy.js', 'proxy.cjs', 'proxy.d.ts', 'proxy-cli.js']) {
    if (!existsSync(join(repo, 'dist', file))) throw new Error(`dist/${file} is missing: run \`npm run build\` first.`);
  }
  receiver = await startLokiReceiver({ flavor: '3' });
  scratch = await realpath(await mkdtemp(join(tmpdir(), 'cloudlog-proxy-package-')));
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], repo);
  expect(pack.code, pack.stderr).toBe(0);
  const [{ filename }] = JSON.parse(pack.stdout) as [{ filename: string }];
  consumer = join(scratch, 'consumer');
  await mkdir(consumer);
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'proxy-consumer', private: true, version: '0.0.0' }));
  let install = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--offline', join(scratch, filename)], consumer);
  if (install.code !== 0) install = await run('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline', join(scratch, filename)], consumer);
  expect(install.code, install.stderr).toBe(0);
}, TIMEOUT_MS);

afterAll(async () => {
  await receiver?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('the installed cloudlog-proxy', { timeout: TIMEOUT_MS }, () => {
  it('the bin runs from node_modules/.bin and forwards to Loki', async () => {
    const bin = join(consumer, 'node_modules', '.bin', 'cloudlog-proxy');
    expect((await run(bin, ['--help'], consumer)).stdout).toContain('Usage: cloudlog-proxy');
    const child = spawn(bin, ['--port', '0'], { cwd: consumer, env: { PATH: process.env.PATH ?? '', LOKI_URL: receiver.url }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await until(() => /listening on (\S+)/.test(stderr), 'the installed proxy to listen');
      const url = /listening on (\S+)/.exec(stderr)![1]!;
      const answer = await send(url, { headers: { 'content-type': 'application/json' }, body: pushBody({ service_name: 'installed-bin' }, ['via the bin']) });
      expect(answer.status).toBe(204);
      expect(receiver.entries({ service_name: 'installed-bin' }).map((e) => e.line)).toEqual(['via the bin']);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  const script = (service: string) => `
    const proxy = createProxyHandler({ lokiUrl: process.env.PUSH_URL });
    const body = JSON.stringify({ streams: [{ stream: { service_name: '${service}' }, values: [[String(Date.now()) + '000000', 'served']] }] });
    const response = await proxy(new Request('http://x/loki/api/v1/push', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
    await proxy.close();
    console.log(response.status);`;

  it.each([
    ['ESM', 'installed-esm', (s: string) => ['--input-type=module', '-e', `import { createProxyHandler } from 'cloudlog/proxy';\n${s}`]],
    ['CommonJS', 'installed-cjs', (s: string) => ['-e', `const { createProxyHandler } = require('cloudlog/proxy');\n(async () => {${s}\n})();`]],
  ])('cloudlog/proxy from %s serves a push', async (_, service, args) => {
    const result = await run(process.execPath, args(script(service)), consumer, { PUSH_URL: receiver.url });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe('204');
    expect(receiver.entries({ service_name: service })).toHaveLength(1);
  });

  it('its types compile from "nodenext" ESM and CJS, with Node types and without the DOM', async () => {
    const source = `
import { createLocalSink, createProxyHandler, toNodeListener, PROXY_DEFAULTS } from 'cloudlog/proxy';
import type { ProxyHandler, ProxyOptions } from 'cloudlog/proxy';
import { createServer } from 'node:http';
const options: ProxyOptions = { sink: createLocalSink({ file: 'x.ndjson' }), corsOrigins: ['https://app.example.com'], maxBodyBytes: PROXY_DEFAULTS.maxBodyBytes };
const proxy: ProxyHandler = createProxyHandler(options);
createServer(toNodeListener(proxy));
const answer: Promise<Response> = proxy(new Request('http://x/ready'), { clientAddress: '192.0.2.1' });
// @ts-expect-error -- futureTimestamps is 'clamp' or 'reject'.
createProxyHandler({ lokiUrl: 'http://loki', futureTimestamps: 'shift' });
void answer;
`;
    const dir = join(consumer, 'typed');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'esm.mts'), source);
    await writeFile(join(dir, 'cjs.cts'), source);
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022'], types: ['node'], typeRoots: [join(repo, 'node_modules', '@types')], strict: true, exactOptionalPropertyTypes: true, skipLibCheck: false, noEmit: true },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const result = await run(join(repo, 'node_modules', '.bin', 'tsc'), ['-p', join(dir, 'tsconfig.json')], dir);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});
