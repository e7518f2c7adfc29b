/**
 * How many entries of a batch a 400 refused. Loki stores the valid entries of a push and
 * answers 400 for the rest ("partly stored", loki-vectors case "partial: one good, one too old"),
 * but says how many only when its ingester refused them ("total ignored: N out of M",
 * case "entry 2 h behind the newest of its stream"). Otherwise its answer names entries one
 * message each — the distributor reports only its last validation error — so the count is the
 * entries named, at least one. A 400 that names no entry (bad JSON, a proxy's refusal) refused
 * the whole batch.
 */
export function countRejectedEntries(answer: string, batchEntries: number): number {
  const ignored = /total ignored: (\d+) out of \d+/.exec(answer);
  if (ignored) return Math.min(batchEntries, Number(ignored[1]));
  const named = answer.match(/entry (for stream|with timestamp)|Max entry size/g)?.length ?? 0;
  if (named === 0) return batchEntries;
  return Math.min(batchEntries, named);
}
