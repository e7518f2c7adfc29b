// Decoders for what Loki clients send, shared by the benchmark receivers (no dependency):
//   - snappy *block* format (winston-loki's protobuf bodies are compressed with it);
//   - logproto.PushRequest, decoded into the JSON push shape;
//   - Prometheus label selectors (`{level="info"}`), as protobuf pushes carry their labels.

/** Snappy block format (https://github.com/google/snappy/blob/main/format_description.txt). */
export function snappyUncompress(input) {
  let pos = 0;
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    const b = input[pos++];
    if (b === undefined) throw new Error('snappy: truncated preamble');
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  const out = Buffer.allocUnsafe(length);
  let o = 0;
  while (pos < input.length) {
    const tag = input[pos++];
    const type = tag & 3;
    if (type === 0) {
      let len = tag >> 2;
      if (len >= 60) {
        const bytes = len - 59;
        len = 0;
        for (let i = 0; i < bytes; i++) len += input[pos++] * 2 ** (8 * i);
      }
      len += 1;
      if (pos + len > input.length || o + len > length) throw new Error('snappy: literal out of bounds');
      input.copy(out, o, pos, pos + len);
      pos += len;
      o += len;
      continue;
    }
    let len;
    let offset;
    if (type === 1) {
      len = ((tag >> 2) & 7) + 4;
      offset = ((tag >> 5) << 8) | input[pos++];
    } else if (type === 2) {
      len = (tag >> 2) + 1;
      offset = input[pos] | (input[pos + 1] << 8);
      pos += 2;
    } else {
      len = (tag >> 2) + 1;
      offset = input.readUInt32LE(pos);
      pos += 4;
    }
    if (offset === 0 || offset > o || o + len > length) throw new Error('snappy: bad copy');
    // Copies may overlap their own output (run-length style): byte by byte.
    for (let i = 0; i < len; i++, o++) out[o] = out[o - offset];
  }
  if (o !== length) throw new Error(`snappy: expected ${length} bytes, got ${o}`);
  return out;
}

export function readVarint(buf, state) {
  let value = 0;
  for (let shift = 0; ; shift += 7) {
    const b = buf[state.pos++];
    if (b === undefined) throw new Error('protobuf: truncated varint');
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return value;
  }
}

/** Calls onField(fieldNumber, wireType, value) for each field of one message; LEN values are subarrays. */
export function eachField(buf, onField) {
  const state = { pos: 0 };
  while (state.pos < buf.length) {
    const key = readVarint(buf, state);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) onField(field, wire, readVarint(buf, state));
    else if (wire === 2) {
      const len = readVarint(buf, state);
      if (state.pos + len > buf.length) throw new Error('protobuf: field out of bounds');
      onField(field, wire, buf.subarray(state.pos, state.pos + len));
      state.pos += len;
    } else if (wire === 1) state.pos += 8;
    else if (wire === 5) state.pos += 4;
    else throw new Error(`protobuf: wire type ${wire}`);
  }
}

/**
 * logproto.PushRequest { repeated Stream streams = 1 }
 * Stream { string labels = 1; repeated Entry entries = 2; uint64 hash = 3 }
 * Entry { google.protobuf.Timestamp timestamp = 1; string line = 2; repeated LabelPair structuredMetadata = 3 }
 * Timestamp { int64 seconds = 1; int32 nanos = 2 }
 * Returns the same shape as a JSON push: { streams: [{ stream: {…labels}, values: [[nsString, line]] }] }.
 */
export function decodePushRequest(buf) {
  const streams = [];
  eachField(buf, (f, w, streamBuf) => {
    if (f !== 1 || w !== 2) return;
    let labels = '';
    const values = [];
    eachField(streamBuf, (sf, sw, v) => {
      if (sf === 1 && sw === 2) labels = v.toString('utf8');
      else if (sf === 2 && sw === 2) {
        let seconds = 0;
        let nanos = 0;
        let line = '';
        eachField(v, (ef, ew, ev) => {
          if (ef === 1 && ew === 2) {
            eachField(ev, (tf, tw, tv) => {
              if (tf === 1 && tw === 0) seconds = tv;
              else if (tf === 2 && tw === 0) nanos = tv;
            });
          } else if (ef === 2 && ew === 2) line = ev.toString('utf8');
        });
        values.push([(BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString(), line]);
      }
    });
    streams.push({ stream: parseLabelString(labels), values });
  });
  return { streams };
}

/** `{level="info", job="x"}` → { level: 'info', job: 'x' } (Prometheus selector syntax, as protobuf pushes carry it). */
export function parseLabelString(text) {
  const labels = {};
  const re = /([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g;
  for (let m; (m = re.exec(text)) !== null; ) labels[m[1]] = JSON.parse(`"${m[2]}"`);
  return labels;
}
