// Summarizes a V8 .cpuprofile (node --cpu-prof, or BENCH_CPU_PROF=<dir> node bench/end-to-end.mjs)
// without opening DevTools: where the samples went, by self time and by inclusive time.
//
//   node bench/support/profile-summary.mjs <file.cpuprofile> [top=25] [filter]
//
// Self time: samples whose leaf is that function. Inclusive time: samples with that function
// anywhere on the stack (counted once per sample, so recursion does not inflate it). `filter`
// keeps only functions whose file path contains it (e.g. `dist/index.js`). Times are in ms of
// samples (the profile's own sampling interval), and a share of all non-idle samples.
import { readFileSync } from 'node:fs';

const [file, topArg = '25', filter = ''] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/support/profile-summary.mjs <file.cpuprofile> [top] [path filter]');
  process.exit(2);
}
const TOP = Number(topArg);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const where = (n) => {
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/(dist|bench|src)\//, '$1/');
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim();
};

// Time per sample: the deltas, attributed to the sample they end on.
const self = new Map();
const inclusive = new Map();
let total = 0;
let idle = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000;
  const leaf = byId.get(profile.samples[i]);
  const name = leaf.callFrame.functionName;
  if (name === '(idle)') {
    idle += dt;
    continue;
  }
  total += dt;
  const k = where(leaf);
  self.set(k, (self.get(k) ?? 0) + dt);
  const seen = new Set();
  for (let id = leaf.id; id !== undefined; id = parent.get(id)) {
    const key = where(byId.get(id));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
  }
}

const show = (title, map) => {
  console.log(`\n${title}`);
  const rows = [...map].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, TOP);
  for (const [k, ms] of rows) console.log(`  ${ms.toFixed(1).padStart(8)} ms ${((100 * ms) / total).toFixed(1).padStart(5)}%  ${k}`);
};
console.log(`${file}: ${total.toFixed(0)} ms of samples (not idle), ${idle.toFixed(0)} ms idle`);
show('self time', self);
show('inclusive time', inclusive);
