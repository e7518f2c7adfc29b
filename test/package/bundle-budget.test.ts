/**
 * The CDN file's size budget (issues 4 and 6): dist/cloudlog.min.js, every feature in, at most
 * 12 KiB gzipped (level 9, what bench/bundle-size.mjs reports). Size is deterministic, so this is
 * a CI check, unlike the timing benchmarks. Also: what keeps it small stays out of it — Node-only
 * code and ky (the bundle posts with fetch + AbortController, src/transport/post.ts).
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const BUDGET_GZ = 12 * 1024;
const bundle = readFileSync(new URL('../../dist/cloudlog.min.js', import.meta.url), 'utf8');

describe('dist/cloudlog.min.js', () => {
  it(`is at most ${BUDGET_GZ} bytes min+gz`, () => {
    const gz = gzipSync(bundle, { level: 9 }).length;
    expect(gz, `${(gz / 1024).toFixed(2)} KiB min+gz`).toBeLessThanOrEqual(BUDGET_GZ);
  });

  it('carries no Node-only code and no ky', () => {
    for (const nodeOnly of ['beforeExit', 'getBuiltinModule', 'authorization', 'x-scope-orgid']) expect(bundle).not.toContain(nodeOnly);
    // ky's Ky class: its error for a bad `prefixUrl` is a string terser cannot shorten.
    expect(bundle).not.toContain('prefixUrl');
  });

  it('still has what browsers need: IndexedDB, Web Locks, page exit, beacon', () => {
    for (const browserPart of ['indexedDB', 'locks', 'pagehide', 'visibilitychange', 'sendBeacon', 'keepalive', 'CompressionStream']) {
      expect(bundle).toContain(browserPart);
    }
  });
});
