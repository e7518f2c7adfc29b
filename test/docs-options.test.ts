import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/options/defaults.js';

/** The README's options table is what users read: it must match the defaults the code applies. */
describe('README options table', () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const rows = new Map<string, string>();
  for (const match of readme.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)) rows.set(match[1]!, match[2]!);

  it.each(Object.entries(DEFAULTS))('documents %s with its default', (name, value) => {
    const expected = typeof value === 'string' ? `'${value}'` : typeof value === 'object' ? `{ ${Object.entries(value).map(([k, v]) => `${k}: '${v}'`).join(', ')} }` : String(value);
    expect(rows.get(name)).toBe(expected);
  });
});
