// Minimal "send one log" page for Sentry (structured logs: `enableLogs` + `Sentry.logger`).
import * as Sentry from '@sentry/browser';

Sentry.init({ dsn: 'https://public@o0.ingest.sentry.io/0', enableLogs: true });
Sentry.logger.info('user clicked button', { userId: 42, button: 'buy', page: '/cart' });
