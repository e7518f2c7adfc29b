// Minimal "send one log" page for Grafana Faro Web SDK (its README's basic set-up).
import { initializeFaro } from '@grafana/faro-web-sdk';

const faro = initializeFaro({ url: 'https://collector.example.com/collect', app: { name: 'shop-web' } });
faro.api.pushLog(['user clicked button'], { context: { userId: '42', button: 'buy', page: '/cart' } });
