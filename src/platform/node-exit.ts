/**
 * Node: deliver what is still queued when the program runs out of work, without `close()`.
 * `beforeExit` fires when the event loop empties (not on `process.exit()` or signals); a flush
 * started there keeps the loop alive only until it settles, bounded by `timeoutMs`. Then the
 * loop empties again, nothing is pending, and the process exits by itself. We never call
 * `process.exit`. Returns the function that removes the hook (called by `close()`).
 */
export function flushBeforeExit(hasPending: () => boolean, flush: (timeoutMs: number) => Promise<boolean>, timeoutMs: number): () => void {
  const proc = (globalThis as { process?: { versions?: { node?: string }; on?: unknown; off?: unknown } }).process;
  if (!proc?.versions?.node || typeof proc.on !== 'function' || typeof proc.off !== 'function') return () => {};
  const nodeProcess = proc as { on(event: 'beforeExit', listener: () => void): void; off(event: 'beforeExit', listener: () => void): void };
  const listener = () => {
    if (hasPending()) void flush(timeoutMs);
  };
  nodeProcess.on('beforeExit', listener);
  return () => nodeProcess.off('beforeExit', listener);
}
