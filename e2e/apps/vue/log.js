/**
 * The app's logger, configured at runtime: the push URL comes from the page's query string
 * (`?cloudlog-url=...`), because the page's strict CSP forbids an inline config script.
 */
import { createLogger } from 'cloudlog';

const url = new URLSearchParams(location.search).get('cloudlog-url') ?? '';

export const log = createLogger({ url, labels: { service_name: 'e2e-vue' } });

/** What the test reads back: the logger's own view, and what app.config.errorHandler was handed. */
window.e2eApp = {
  caught: [],
  flush: (timeoutMs) => log.flush(timeoutMs),
  stats: () => log.stats(),
};
