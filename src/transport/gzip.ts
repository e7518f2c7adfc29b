/**
 * gzip with the platform's `CompressionStream` (browsers; Node ≥ 18 has it as a global), so
 * one code path serves both and no Node built-in is imported into browser bundles. Loki takes
 * `Content-Encoding: gzip` for JSON pushes (loki-vectors case "gzip JSON").
 * Undefined where the platform has no CompressionStream (Safari < 16.4): send plain.
 */
export async function gzip(text: string): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (typeof CompressionStream !== 'function') return undefined;
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}
