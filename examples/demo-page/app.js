// The page side of the demo: what a front-end engineer writes after adding the <script> tag.
const log = window.cloudlog.createLogger({
  url: '/loki/api/v1/push', // cloudlog-proxy on the page's own origin: no CORS, no credentials in the browser
  labels: { service_name: 'demo-web', source: 'browser' },
});

let clicks = 0;
document.getElementById('log').addEventListener('click', () => {
  log.info('button clicked', { button: 'log', clicks: ++clicks, page: location.pathname });
});

// Thrown outside any handler: the global listeners below turn it into an error entry with its stack and cause.
document.getElementById('throw').addEventListener('click', () => {
  setTimeout(() => {
    throw new Error('demo failure', { cause: new Error('the cause') });
  });
});
window.addEventListener('error', (event) => log.error('uncaught error', { err: event.error }));
window.addEventListener('unhandledrejection', (event) => log.error('unhandled rejection', { err: event.reason }));

document.getElementById('burst').addEventListener('click', () => {
  for (let i = 0; i < 1000; i++) log.info('burst', { i });
});

// "Offline" is simulated by the demo server: it drops this page's pushes like a dead network would
// (DevTools → Network → Offline does the real thing). Entries wait in the logger — and in
// IndexedDB — and arrive, once each, when the network is back.
const offlineButton = document.getElementById('offline');
const network = document.getElementById('network');
offlineButton.addEventListener('click', async () => {
  const offline = offlineButton.getAttribute('aria-pressed') !== 'true';
  await fetch('/demo/network', { method: 'POST', body: offline ? 'offline' : 'online' });
  offlineButton.setAttribute('aria-pressed', String(offline));
  offlineButton.textContent = offline ? 'Back online' : 'Go offline';
  network.textContent = offline
    ? 'Offline: pushes fail. Entries wait (see queued), then arrive when you go back online.'
    : 'Online: entries are sent within a second.';
  log.info(offline ? 'going offline' : 'back online');
});

setInterval(() => {
  const { enqueued, sent, queued, retries, dropped, breaker, lastError } = log.stats();
  document.getElementById('stats').textContent = JSON.stringify(
    { enqueued, sent, queued, retries, dropped, breaker, lastError: lastError ? lastError.message : null },
    null,
    2,
  );
}, 250);
