/**
 * gzip in both directions: request bodies in (the SDK gzips by default) and pushes out to Loki.
 *
 * Node's zlib does it in a fraction of the time of `DecompressionStream`/`CompressionStream`
 * (1000-entry push: gunzip 0.3 ms vs 1.1 ms, gzip 0.8 ms vs 2.8 ms on the CI machine). It is taken
 * with `process.getBuiltinModule` (Node ≥ 20.16, Bun, Deno) rather than imported, so bundlers for
 * Workers and edge runtimes never see a `node:` import; elsewhere the Web streams do the job.
 *
 * Small inputs are done synchronously: zlib's async form costs a stream and a thread hop per call
 * (20-entry push: gunzip 38 µs sync vs 223 µs async, gzip 147 µs vs 449 µs CPU), which at
 * hundreds of pushes a second was most of the proxy's time (bench/proxy.mjs). Large inputs go to
 * the thread pool, so one big body never stalls the event loop.
 *
 * Either way, inflating stops as soon as the output passes the limit: a gzip bomb costs the
 * limit, never its inflated size.
 */

/** Inflating passed the limit: the body is refused (413). */
export class InflateLimitError extends Error {
  override name = 'InflateLimitError';
}

/** Not gzip, or cut short (400). */
export class BadGzipError extends Error {
  override name = 'BadGzipError';
}

export interface Codec {
  gunzip(data: Uint8Array, maxBytes: number): Promise<Uint8Array>;
  gzip(text: string): Promise<Uint8Array<ArrayBuffer>>;
}

/**
 * Level 1: on varied log lines it spends 40% of level 6's CPU for 12% more bytes (29.7 vs 26.5 KB
 * for 1000 entries, 1.5 vs 3.7 ms); the proxy usually sits next to Loki, where CPU is dearer than bytes.
 */
const GZIP_LEVEL = 1;

/** Below this many input bytes, zlib runs synchronously (see above). */
const SYNC_BYTES = 64 * 1024;

interface NodeZlib {
  gunzip(data: Uint8Array, options: { maxOutputLength: number }, done: (error: (Error & { code?: string }) | null, result: Uint8Array) => void): void;
  gunzipSync(data: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
  gzip(data: string, options: { level: number }, done: (error: Error | null, result: Uint8Array<ArrayBuffer>) => void): void;
  gzipSync(data: string, options: { level: number }): Uint8Array<ArrayBuffer>;
}

export function createCodec(): Codec {
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (name: string) => unknown } }).process?.getBuiltinModule;
  const zlib = typeof getBuiltin === 'function' ? (getBuiltin('node:zlib') as NodeZlib | undefined) : undefined;
  return zlib === undefined ? webCodec : nodeCodec(zlib);
}

function nodeCodec(zlib: NodeZlib): Codec {
  const failed = (error: Error & { code?: string }, maxBytes: number) =>
    error.code === 'ERR_BUFFER_TOO_LARGE' ? new InflateLimitError(`inflates past ${maxBytes} bytes`) : new BadGzipError(error.message);
  return {
    async gunzip(data, maxBytes) {
      if (data.byteLength < SYNC_BYTES) {
        try {
          return zlib.gunzipSync(data, { maxOutputLength: maxBytes });
        } catch (error) {
          throw failed(error as Error, maxBytes);
        }
      }
      return new Promise((resolve, reject) => {
        zlib.gunzip(data, { maxOutputLength: maxBytes }, (error, result) => (error === null ? resolve(result) : reject(failed(error, maxBytes))));
      });
    },
    async gzip(text) {
      if (text.length < SYNC_BYTES) return zlib.gzipSync(text, { level: GZIP_LEVEL });
      return new Promise((resolve, reject) => {
        zlib.gzip(text, { level: GZIP_LEVEL }, (error, result) => (error === null ? resolve(result) : reject(error)));
      });
    },
  };
}

/** Input fed in slices: each can inflate to at most ~1032× its size, which bounds what one step adds. */
const SLICE_BYTES = 16 * 1024;

const webCodec: Codec = {
  async gunzip(data, maxBytes) {
    const stream = new DecompressionStream('gzip');
    const writer = stream.writable.getWriter();
    const reader = stream.readable.getReader();
    const feeding = (async () => {
      // Request bodies are never shared memory: the cast only narrows the type.
      const bytes = data as Uint8Array<ArrayBuffer>;
      for (let at = 0; at < bytes.byteLength; at += SLICE_BYTES) await writer.write(bytes.subarray(at, at + SLICE_BYTES));
      await writer.close();
    })();
    // Errors surface on the reader; this only keeps a rejected write from going unhandled.
    feeding.catch(() => undefined);
    const chunks: Uint8Array[] = [];
    let total = 0;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new InflateLimitError(`inflates past ${maxBytes} bytes`);
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof InflateLimitError) throw error;
      throw new BadGzipError(error instanceof Error ? error.message : String(error));
    }
    return concat(chunks, total);
  },
  async gzip(text) {
    const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  },
};

export function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
