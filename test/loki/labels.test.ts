import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { normalizeLabels, sanitizeLabelName } from '../../src/loki/labels.js';

describe('sanitizeLabelName', () => {
  it('maps names to [a-zA-Z_][a-zA-Z0-9_]*', () => {
    expect(sanitizeLabelName('app.env')).toBe('app_env');
    expect(sanitizeLabelName('a-b c')).toBe('a_b_c');
    expect(sanitizeLabelName('1st')).toBe('_1st');
    expect(sanitizeLabelName('ünï')).toBe('_n_');
    expect(sanitizeLabelName('')).toBe('_');
    expect(sanitizeLabelName('n'.repeat(2000))).toHaveLength(1024);
  });
});

describe('normalizeLabels', () => {
  it('sanitizes names, drops empty values and cuts long values', () => {
    expect(normalizeLabels({ service_name: 'web', 'app.env': 'prod', empty: '', long: 'v'.repeat(3000) })).toEqual({
      service_name: 'web',
      app_env: 'prod',
      long: 'v'.repeat(2048),
    });
  });

  it('refuses what would lose data or break Loki, with a message that says what to do', () => {
    expect(() => normalizeLabels('web')).toThrow(ConfigError);
    expect(() => normalizeLabels({ service_name: 42 })).toThrow(/must be a string.*fields, not labels/);
    expect(() => normalizeLabels({ only: '' })).toThrow(/at least one non-empty label/);
    expect(() => normalizeLabels({})).toThrow(/at least one/);
    expect(() => normalizeLabels({ 'a.b': '1', a_b: '2' })).toThrow(/both become "a_b"/);
    const sixteen = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`l${i}`, 'x']));
    expect(() => normalizeLabels(sixteen)).toThrow(/at most 15/);
    const fifteen = Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`l${i}`, 'x']));
    expect(Object.keys(normalizeLabels(fifteen))).toHaveLength(15);
  });

  it('makes lone surrogates in values well-formed', () => {
    expect(normalizeLabels({ a: 'x\ud800' })).toEqual({ a: 'x\ufffd' });
  });
});
