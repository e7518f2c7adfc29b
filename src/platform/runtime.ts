/**
 * Facts about the platform we run on, read without touching `window` at import time so that
 * importing the SDK during SSR never crashes.
 */

/** True in a page or a worker: anywhere credentials would be visible to the user. */
export function isBrowserLike(): boolean {
  const g = globalThis as { document?: unknown; importScripts?: unknown; process?: { versions?: { node?: string } } };
  if (g.process?.versions?.node) return false;
  return typeof g.document !== 'undefined' || typeof g.importScripts === 'function';
}

type Timer = ReturnType<typeof setTimeout>;

/** The longest delay `setTimeout` can hold (a signed 32-bit count of milliseconds). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * `setTimeout` that never keeps a Node process alive (the SDK must not hold up exit; OTel and
 * Sentry `safeUnref` do the same). Browsers return a number, which has no `unref`.
 */
export function setBackgroundTimeout(callback: () => void, delayMs: number): Timer {
  // Timers overflow past 2^31-1 ms and fire at once (Node warns, browsers don't): never spin.
  const timer = setTimeout(callback, Math.min(Math.max(0, delayMs), MAX_TIMER_MS));
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
