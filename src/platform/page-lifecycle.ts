/**
 * Page exit: `visibilitychange` → hidden is the last event a page reliably gets on mobile and
 * when a tab is closed from the switcher; `pagehide` covers the rest, and Safari where
 * visibilitychange does not fire on navigation (https://bugs.webkit.org/show_bug.cgi?id=116769).
 * Never `unload`/`beforeunload`: they break the back/forward cache and are unreliable.
 * Returns the function that removes the listeners (called by close()).
 */
export function onPageExit(callback: () => void): () => void {
  const doc = (globalThis as { document?: Document }).document;
  if (doc === undefined || typeof addEventListener !== 'function') return () => {};
  const onVisibility = () => {
    if (doc.visibilityState === 'hidden') callback();
  };
  doc.addEventListener('visibilitychange', onVisibility);
  addEventListener('pagehide', callback);
  return () => {
    doc.removeEventListener('visibilitychange', onVisibility);
    removeEventListener('pagehide', callback);
  };
}

/** Calls `callback(online)` when the browser goes offline or back online. */
export function onConnectivityChange(callback: (online: boolean) => void): () => void {
  if (typeof addEventListener !== 'function') return () => {};
  const offline = () => callback(false);
  const online = () => callback(true);
  addEventListener('offline', offline);
  addEventListener('online', online);
  return () => {
    removeEventListener('offline', offline);
    removeEventListener('online', online);
  };
}

/** False only when the browser knows it is offline. */
export function isOnline(): boolean {
  const nav = (globalThis as { navigator?: { onLine?: boolean } }).navigator;
  return nav?.onLine !== false;
}
