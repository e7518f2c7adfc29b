const hasWellFormed = typeof (String.prototype as { toWellFormed?: unknown }).toWellFormed === 'function';

/**
 * Replaces lone UTF-16 surrogates with U+FFFD. Loki fails a whole push that contains one
 * (`"\ud800"`, loki-vectors case "lone surrogate escape in line"), so none may reach the wire.
 */
export function toWellFormed(value: string): string {
  if (hasWellFormed) return (value as string & { toWellFormed(): string }).toWellFormed();
  // No lookbehind here: Safari < 16.4 fails to parse the whole bundle on one.
  let out = '';
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0xd800 || code > 0xdfff) continue;
    const next = value.charCodeAt(i + 1);
    if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++;
      continue;
    }
    out += value.slice(start, i) + '\ufffd';
    start = i + 1;
  }
  return start === 0 ? value : out + value.slice(start);
}

/**
 * `JSON.stringify` writes a lone surrogate as the escape `\udXXX` (well-formed JSON.stringify,
 * ES2019); paired surrogates come out as raw characters. This rewrites those escapes — but not
 * an escaped backslash followed by the text "ud800" — to `\ufffd`.
 */
export function replaceLoneSurrogateEscapes(json: string): string {
  let at = json.indexOf('\\ud');
  if (at === -1) return json;
  let out = '';
  let start = 0;
  while (at !== -1) {
    // The escape is real only when an even number of backslashes stands before it.
    let run = 0;
    while (at - run - 1 >= 0 && json.charCodeAt(at - run - 1) === 92) run++;
    if (run % 2 === 0 && /^[89a-f][0-9a-f]{2}$/.test(json.slice(at + 3, at + 6))) {
      out += json.slice(start, at) + '\\ufffd';
      start = at + 6;
    }
    at = json.indexOf('\\ud', Math.max(at + 1, start));
  }
  return out + json.slice(start);
}

/** UTF-8 byte length without allocating (TextEncoder would copy the whole string). */
export function utf8ByteLength(value: string): number {
  let bytes = value.length;
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x80) continue;
    if (code < 0x800) bytes += 1;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < value.length) {
      // A surrogate pair: 2 UTF-16 units, 4 UTF-8 bytes.
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 2;
        i++;
        continue;
      }
      bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}
