/**
 * At most `limit` tasks at once; the others wait in arrival order. The proxy runs the CPU and
 * memory heavy part of a push (gunzip, parse, validate, encode) under one, so that however many
 * requests are in flight, only a few parsed pushes exist at a time.
 */
export interface Gate {
  run<T>(task: () => Promise<T>): Promise<T>;
}

export function createGate(limit: number): Gate {
  let running = 0;
  const waiting: Array<() => void> = [];
  const release = () => {
    const next = waiting.shift();
    if (next !== undefined) next();
    else running--;
  };
  return {
    async run(task) {
      if (running < limit) running++;
      else await new Promise<void>((resolve) => waiting.push(resolve));
      try {
        return await task();
      } finally {
        release();
      }
    },
  };
}
