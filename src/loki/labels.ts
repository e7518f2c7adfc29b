import { ConfigError } from '../errors.js';
import { MAX_LABEL_NAME_LENGTH, MAX_LABEL_VALUE_LENGTH, MAX_LABELS } from '../options/defaults.js';
import { toWellFormed } from '../format/utf8.js';

/**
 * Loki label names follow Prometheus: `[a-zA-Z_][a-zA-Z0-9_]*`. Loki parses the stream as a
 * LogQL selector, so `a-b` is a 400 for the whole push ("parse error: unexpected character
 * inside braces: '-'", loki-vectors case "label name with dash"). We sanitize instead.
 */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '' || (out.charCodeAt(0) >= 48 && out.charCodeAt(0) <= 57)) out = `_${out}`;
  return out.slice(0, MAX_LABEL_NAME_LENGTH);
}

/**
 * Turns the `labels` option into a stream Loki accepts: names sanitized, empty values dropped
 * (Loki drops them too, then refuses a stream with none left), long values cut to Loki's limit.
 * Mistakes that would lose data or explode cardinality are refused at setup.
 */
export function normalizeLabels(labels: unknown): Record<string, string> {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new ConfigError(`cloudlog: \`labels\` must be a plain object of strings, like { service_name: 'shop-web' }; got ${describe(labels)}.`);
  }
  const out: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const [rawName, value] of Object.entries(labels)) {
    if (typeof value !== 'string') {
      throw new ConfigError(`cloudlog: label "${rawName}" must be a string; got ${describe(value)}. Put per-event values in fields, not labels.`);
    }
    if (value === '') continue;
    const name = sanitizeLabelName(rawName);
    const previous = sources[name];
    if (previous !== undefined) {
      throw new ConfigError(`cloudlog: labels "${previous}" and "${rawName}" both become "${name}" under Loki's label-name rules; rename one.`);
    }
    sources[name] = rawName;
    out[name] = toWellFormed(value).slice(0, MAX_LABEL_VALUE_LENGTH);
  }
  const count = Object.keys(out).length;
  if (count === 0) {
    throw new ConfigError("cloudlog: `labels` needs at least one non-empty label (Loki refuses a stream without labels), like { service_name: 'shop-web' }.");
  }
  if (count > MAX_LABELS) {
    throw new ConfigError(`cloudlog: ${count} labels given; Loki accepts at most ${MAX_LABELS} per stream. Keep labels few and static, and put the rest in fields.`);
  }
  return out;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
