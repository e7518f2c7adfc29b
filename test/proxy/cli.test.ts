/**
 * The `cloudlog-proxy` bin as users run it: the built dist/proxy-cli.js in a child process
 * (`npm run build` first). Configuration from flags and env, the local sink, forwarding with
 * credentials from env, and a graceful SIGTERM: in-flight requests finish, then it exits 0.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { plans, startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';
import { startLokiReceiver, type LokiReceiver } from '../support/loki-receiver.js';
import { postPush, pushBody, send, until } from './stack.js';

const CLI = fileURLToPath(new URL('../../dist/proxy-cli.js', import.meta.url));

interface Cli {
  child: ChildProcess;
  /** The push URL it printed. */
  url: string;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

const children = new Set<ChildProcess>();

function run(args: string[], env: Record<string, string> = {}): Omit<Cli, 'url'> {
  // Only what the test sets: no LOKI_URL, PORT… leaking in from the environment.
  const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

async function start(args: string[], env: Record<string, string> = {}): Promise<Cli> {
  const cli = run(['--port', '0', ...args], env);
  let url: string | undefined;
  // The CORS line is the last one printed at startup.
  await until(() => {
    url = /listening on (http:\/\/\S+\/loki\/api\/v1\/push)/.exec(cli.stderr())?.[1];
    return (url !== undefined && cli.stderr().includes('CORS:')) || cli.child.exitCode !== null;
  }, 'the proxy to listen');
  if (url === undefined) throw new Error(`cloudlog-proxy did not start:\n${cli.stderr()}`);
  return { ...cli, url };
}

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error('dist/proxy-cli.js is missing: run `npm run build` before the CLI tests.');
});
afterEach(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
});

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cloudlog-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('cloudlog-proxy', () => {
  it('--help lists every option and exits 0', async () => {
    const cli = run(['--help']);
    expect(await cli.exited).toBe(0);
    for (const text of ['--loki-url', 'LOKI_TOKEN (env only)', '--max-decompressed-bytes', 'CLOUDLOG_RATE_LIMIT_PER_SECOND', '--shutdown-timeout-ms']) expect(cli.stdout()).toContain(text);
  });

  it('a bad flag exits 2 and says which', async () => {
    const cli = run(['--max-body-bytes', 'lots']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toBe('cloudlog-proxy: --max-body-bytes (CLOUDLOG_MAX_BODY_BYTES) must be a whole number; got "lots".\n');
  });

  it('a bad option exits 2 with the ConfigError', async () => {
    const cli = run(['--loki-url', 'ftp://loki']);
    expect(await cli.exited).toBe(2);
    expect(cli.stderr()).toContain('`lokiUrl` must be http: or https:');
  });

  it('without a Loki URL: the local sink prints entries and appends them to the NDJSON file; SIGTERM exits 0', async () => {
    const file = join(dir, 'sink.ndjson');
    const cli = await start(['--sink-file', file]);
    expect(cli.stderr()).toContain(`the local sink: entries are printed here and appended to ${file}`);
    expect(cli.stderr()).toContain('CORS: no cross-origin pages');
    const answer = await postPush(cli.url, pushBody({ service_name: 'cli' }, [JSON.stringify({ level: 'warn', msg: 'from the test', n: 1 })]));
    expect(answer.status).toBe(204);
    await until(() => cli.stdout().includes('from the test'), 'the entry to be printed');
    expect(cli.stdout()).toMatch(/^\d\d:\d\d:\d\d\.\d{3} WARN  cli  from the test  n=1\n$/);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(cli.stderr()).toContain('cloudlog-proxy: SIGTERM: finishing requests in progress, then exiting\ncloudlog-proxy: stopped\n');
    const [record] = (await readFile(file, 'utf8')).trim().split('\n').map((row) => JSON.parse(row) as { labels: unknown; line: string });
    expect(record).toMatchObject({ labels: { service_name: 'cli' }, line: '{"level":"warn","msg":"from the test","n":1}' });
  });
});

describe('cloudlog-proxy in front of Loki', () => {
  let receiver: LokiReceiver;
  let fault: FaultProxy;
  beforeAll(async () => {
    receiver = await startLokiReceiver({ flavor: '3' });
    fault = await startFaultProxy({ target: receiver.url });
  });
  afterAll(async () => {
    await fault.close();
    await receiver.close();
  });
  afterEach(() => {
    fault.setPlan(plans.pass);
    receiver.reset();
  });

  it('forwards with the credentials and tenant from its environment', async () => {
    const cli = await start(['--forced-labels', 'source=browser'], { LOKI_URL: receiver.url, LOKI_USERNAME: 'u', LOKI_PASSWORD: 'hunter2-secret', LOKI_TENANT: 'team-a' });
    expect(cli.stderr()).toContain(`→ Loki at ${new URL(receiver.url).host}, tenant team-a`);
    expect((await postPush(cli.url, pushBody({ service_name: 'cli' }, ['to loki']), { authorization: 'Basic Zm9yZ2Vk' })).status).toBe(204);
    expect(receiver.entries().map((e) => [e.stream, e.line])).toEqual([[{ service_name: 'cli', source: 'browser' }, 'to loki']]);
    expect(receiver.requests[0]?.headers).toMatchObject({ authorization: `Basic ${btoa('u:hunter2-secret')}`, 'x-scope-orgid': 'team-a' });
    // The password never shows in what it prints.
    expect(cli.stderr() + cli.stdout()).not.toContain('hunter2');
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });

  it('SIGTERM: stops accepting, finishes the push in progress, then exits 0', async () => {
    fault.setPlan(plans.always({ kind: 'delay', ms: 700, then: { kind: 'pass' } }));
    const cli = await start([], { LOKI_URL: fault.url });
    const inProgress = postPush(cli.url, pushBody({ service_name: 'drain' }, ['in flight at SIGTERM']));
    await until(() => fault.log.length === 1, 'the push to reach Loki');
    cli.child.kill('SIGTERM');
    await until(() => cli.stderr().includes('SIGTERM: finishing'), 'the proxy to start draining');
    // No new connections…
    await expect(send(cli.url, { headers: { 'content-type': 'application/json' }, body: '{}' })).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    // …but the one in progress is answered, and stored.
    expect((await inProgress).status).toBe(204);
    expect(await cli.exited).toBe(0);
    expect(receiver.entries().map((e) => e.line)).toEqual(['in flight at SIGTERM']);
  });

  it('reports Loki failures on stderr, one line per burst', async () => {
    fault.setPlan(plans.always({ kind: 'status', status: 503 }));
    const cli = await start([], { LOKI_URL: fault.url, CLOUDLOG_RATE_LIMIT_PER_SECOND: '0' });
    for (let i = 0; i < 3; i++) expect((await postPush(cli.url, pushBody({ service_name: 'down' }, ['x']))).status).toBe(503);
    await until(() => cli.stderr().includes('Loki answered 503'), 'the failure report');
    expect(cli.stderr().match(/Loki answered 503/g)).toHaveLength(1);
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
  });
});
