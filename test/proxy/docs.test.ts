/** docs/PROXY.md is what operators read: its tables must match the defaults and flags the code has. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROXY_DEFAULTS } from '../../src/proxy/defaults.js';
import { SETTINGS } from '../../src/proxy/node/cli-config.js';

const doc = readFileSync(new URL('../../docs/PROXY.md', import.meta.url), 'utf8');

describe('docs/PROXY.md', () => {
  const rows = new Map<string, string>();
  for (const match of doc.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)) rows.set(match[1]!, match[2]!);

  it.each(Object.entries(PROXY_DEFAULTS))('documents option %s with its default', (name, value) => {
    expect(rows.get(name)).toBe(typeof value === 'string' ? `'${value}'` : String(value));
  });

  it.each(SETTINGS.filter((s) => s.flag !== undefined).map((s) => [s.flag!, s.env] as const))('documents --%s (%s)', (flag, env) => {
    const named = doc.includes(`\`--${flag}\``) && doc.includes(`\`${env}\``);
    // The numeric limits are documented once as options, and by the --<limit> / CLOUDLOG_<LIMIT> rule.
    const camel = flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    expect(named || (rows.has(camel) && env === `CLOUDLOG_${flag.replace(/-/g, '_').toUpperCase()}`)).toBe(true);
  });

  it('documents the env-only secrets', () => {
    for (const s of SETTINGS.filter((s) => s.flag === undefined)) expect(doc).toContain(`\`${s.env}\``);
  });
});
