// The pushes the proxy benchmarks send: what the SDK sends for a browser app — one stream, JSON
// lines of a few fields, ascending unique nanosecond timestamps — from a seeded generator, so
// every run sends the same bytes.

const WORDS = 'user clicked button checkout payment failed render slow timeout retry order item cart page home search'.split(' ');

export function createWorkload(seed = 7) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const pick = (list) => list[Math.floor(random() * list.length)];
  return {
    random,
    /** A push of `entries` entries as a plain object ({ streams: [{ stream, values }] }). */
    push(entries) {
      const base = BigInt(Date.now()) * 1_000_000n;
      const values = [];
      for (let i = 0; i < entries; i++) {
        values.push([
          String(base + BigInt(i * 1000 + Math.floor(random() * 1000))),
          JSON.stringify({ level: random() < 0.9 ? 'info' : 'error', msg: `${pick(WORDS)} ${pick(WORDS)}`, userId: Math.floor(random() * 1e6), page: `/p/${Math.floor(random() * 500)}`, ms: Math.floor(random() * 2000) }),
        ]);
      }
      return { streams: [{ stream: { service_name: 'bench', env: 'prod' }, values }] };
    },
  };
}
