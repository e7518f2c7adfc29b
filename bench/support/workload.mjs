// The entry every benchmark logs: log.info('user clicked button', { userId, button, page }).
// userId changes on every call (a pseudo-random spread over 100 000 users, so neither the JIT
// nor gzip sees a trivial pattern); button and page are short strings from small sets.

export const MESSAGE = 'user clicked button';

const BUTTONS = ['buy', 'add-to-cart', 'search', 'login'];
const PAGES = ['/', '/cart', '/product/17', '/checkout'];

/** Deterministic per index, so every run and every contender logs the same sequence. */
export function userIdAt(i) {
  // Knuth multiplicative hash, kept in 32 bits.
  return 10_000 + (Math.imul(i + 1, 2654435761) >>> 0) % 100_000;
}

/** Columns, precomputed so the timed loops pay only for an array read, not for the hash. */
export function makeColumns(n) {
  const userIds = new Array(n);
  const buttons = new Array(n);
  const pages = new Array(n);
  for (let i = 0; i < n; i++) {
    userIds[i] = userIdAt(i);
    buttons[i] = BUTTONS[i & 3];
    pages[i] = PAGES[(i >> 2) & 3];
  }
  return { userIds, buttons, pages };
}

/** run-all.mjs runs each script with BENCH_JSON=1 and reads this line back. */
export function emitResult(result) {
  if (process.env.BENCH_JSON === '1') process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function requireGc() {
  if (typeof globalThis.gc !== 'function') {
    console.error('Run with node --expose-gc (e.g. node --expose-gc bench/run-all.mjs).');
    process.exit(2);
  }
  return globalThis.gc;
}
