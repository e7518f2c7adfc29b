// Minimal "send one log" page for Datadog browser-logs (its README's set-up).
import { datadogLogs } from '@datadog/browser-logs';

datadogLogs.init({ clientToken: 'pub0123456789abcdef', site: 'datadoghq.com', forwardErrorsToLogs: false, sessionSampleRate: 100 });
datadogLogs.logger.info('user clicked button', { userId: 42, button: 'buy', page: '/cart' });
