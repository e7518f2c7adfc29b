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

/**
 * `setTimeout` that never keeps a Node process alive (the SDK must not hold up exit; OTel and
 * Sentry `safeUnref` do the same). Browsers return a number, which has no `unref`.
 */
export function setBackgroundTimeout(callback: () => void, delayMs: number): Timer {
  const timer = setTimeout(callback, delayMs);
  (timer as { unref?: () => void }).unref?.();
  return timer;
}
