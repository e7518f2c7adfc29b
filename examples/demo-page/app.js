// The page side of the demo: what a front-end engineer writes after adding the <script> tag.
const log = window.cloudlog.createLogger({
  url: '/loki/api/v1/push', // same origin as the page: no CORS, no credentials in the browser
  labels: { service_name: 'demo-web', source: 'browser' },
});

let clicks = 0;
document.getElementById('log').addEventListener('click', () => {
  log.info('button clicked', { button: 'log', clicks: ++clicks, page: location.pathname });
});
document.getElementById('throw').addEventListener('click', () => {
  setTimeout(() => {
    throw new Error('demo failure', { cause: new Error('the cause') });
  });
});
document.getElementById('burst').addEventListener('click', () => {
  for (let i = 0; i < 1000; i++) log.info('burst', { i });
});
window.addEventListener('error', (event) => log.error('uncaught error', { err: event.error }));

setInterval(() => {
  document.getElementById('stats').textContent = JSON.stringify(log.stats(), null, 2);
}, 500);
