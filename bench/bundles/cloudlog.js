// Minimal "send one log" page for cloudlog, built by bench/bundle-size.mjs like every peer.
// (The CDN file itself, dist/cloudlog.min.js, is measured too: it exports the whole API.)
import { createLogger } from 'cloudlog';

const log = createLogger({ url: 'https://app.example.com/loki/api/v1/push', labels: { service_name: 'shop-web' } });
log.info('user clicked button', { userId: 42, button: 'buy', page: '/cart' });
