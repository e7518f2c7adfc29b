/**
 * `cloudlog-proxy`: the proxy as a process. Flags and environment are read by cli-config.ts;
 * `--help` lists them all. Status goes to stderr; the local sink prints entries to stdout.
 *
 * SIGTERM / SIGINT: stop accepting, finish what is in progress (up to --shutdown-timeout-ms),
 * flush the sink's file, exit 0. A second signal exits at once.
 */
import { appendFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import process from 'node:process';
import { parseArgs } from 'node:util';
import { ConfigError } from '../../errors.js';
import { createProxyHandler } from '../create-proxy-handler.js';
import { createLocalSink } from '../local-sink.js';
import type { ProxyEvent, ProxyHandler } from '../options.js';
import { helpText, readCliConfig, type CliConfig } from './cli-config.js';
import { startProxyServer, type RunningProxy } from './start-server.js';

const say = (text: string) => process.stderr.write(`cloudlog-proxy: ${text}\n`);

/** Typed `never`, which `process.exit` is not where Node's types are absent (see builtins.ts). */
function exit(code: number, message?: string): never {
  if (message !== undefined) say(message);
  process.exit(code);
  throw new Error('unreachable');
}

const withoutPrefix = (error: unknown) => (error instanceof Error ? error.message : String(error)).replace(/^cloudlog-proxy: /, '');

/** Upstream failures come in bursts (Loki down): one line per interval, with how many were folded in. */
const REPORT_INTERVAL_MS = 5000;

function reporter(): (event: ProxyEvent) => void {
  let lastAt = 0;
  let folded = 0;
  return (event) => {
    const nowMs = Date.now();
    if (event.type === 'internal-error') {
      say(`internal error: ${event.error instanceof Error ? (event.error.stack ?? event.error.message) : String(event.error)}`);
      return;
    }
    if (event.type === 'warning') {
      say(`warning: ${event.message}`);
      return;
    }
    if (nowMs - lastAt < REPORT_INTERVAL_MS) {
      folded++;
      return;
    }
    say(`${event.message} (clients were told ${event.status} and will retry)${folded > 0 ? `; ${folded} more like it since the last report` : ''}`);
    lastAt = nowMs;
    folded = 0;
  };
}

async function main(): Promise<void> {
  let config: CliConfig | undefined;
  try {
    config = readCliConfig(process.argv.slice(2), process.env, parseArgs);
  } catch (error) {
    exit(2, withoutPrefix(error));
  }
  if (config === undefined) {
    process.stdout.write(helpText());
    return;
  }

  const { options, sinkFile } = config;
  const sinkPath = sinkFile === undefined ? undefined : resolvePath(sinkFile);
  let handler: ProxyHandler;
  try {
    handler = createProxyHandler({
      ...options,
      ...(options.lokiUrl === undefined ? { sink: createLocalSink(sinkPath === undefined ? { appendFile } : { file: sinkPath, appendFile }) } : {}),
      onEvent: reporter(),
    });
  } catch (error) {
    exit(error instanceof ConfigError ? 2 : 1, withoutPrefix(error));
  }

  let server: RunningProxy;
  try {
    server = await startProxyServer(handler, { host: config.host, port: config.port });
  } catch (error) {
    exit(1, `cannot listen on ${config.host}:${config.port}: ${withoutPrefix(error)}`);
  }

  const destination =
    options.lokiUrl === undefined
      ? `the local sink: entries are printed here${sinkPath === undefined ? '' : ` and appended to ${sinkPath}`} (set LOKI_URL to forward to Loki)`
      : `Loki at ${new URL(String(options.lokiUrl)).host}${options.tenant === undefined ? '' : `, tenant ${options.tenant}`}`;
  say(`listening on ${server.origin}/loki/api/v1/push → ${destination}`);
  const origins = options.corsOrigins;
  say(origins === undefined || (Array.isArray(origins) && origins.length === 0) ? 'CORS: no cross-origin pages (same-origin and non-browser clients only); see --cors-origins' : `CORS: ${origins === '*' ? 'any origin' : (origins as string[]).join(', ')}`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) exit(130, `${signal} again: exiting now`);
    stopping = true;
    say(`${signal}: finishing requests in progress, then exiting`);
    server
      .close(config.shutdownTimeoutMs)
      .then(() => exit(0, 'stopped'))
      .catch((error: unknown) => exit(1, `shutdown failed: ${withoutPrefix(error)}`));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error: unknown) => exit(1, `failed to start: ${withoutPrefix(error)}`));
