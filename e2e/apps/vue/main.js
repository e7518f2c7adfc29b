/**
 * A small Vue 3 app that logs the way an app would: in onMounted, on a click, through a child
 * logger per component, and from app.config.errorHandler (with Vue's `info`) when a click
 * handler throws. Render functions instead of templates: Vue's runtime template compiler needs
 * `new Function`, which the page's strict CSP forbids (and no .vue compiler plugin is needed).
 */
import { createApp, defineComponent, h, onMounted, ref, version } from 'vue';
import { log } from './log.js';

const Cart = defineComponent({
  name: 'Cart',
  setup() {
    const cartLog = log.child({ component: 'Cart' });
    const clicks = ref(0);

    onMounted(() => cartLog.info('cart mounted', { items: 0 }));

    const add = () => {
      clicks.value += 1;
      cartLog.info('item added', { clicks: clicks.value, sku: `SKU-${clicks.value}` });
    };
    const pay = () => {
      throw new Error('payment handler failed', { cause: new TypeError('card declined') });
    };

    return () =>
      h('section', [
        h('button', { id: 'add', type: 'button', onClick: add }, `Add item (${clicks.value})`),
        h('button', { id: 'pay', type: 'button', onClick: pay }, 'Pay'),
      ]);
  },
});

const App = defineComponent({
  name: 'App',
  setup() {
    onMounted(() => log.info('app mounted', { vue: version }));
    return () => h('main', [h(Cart)]);
  },
});

const app = createApp(App);
const errorLog = log.child({ component: 'errorHandler' });

app.config.errorHandler = (err, instance, info) => {
  const where = instance?.$options.name ?? 'unknown';
  errorLog.error('unhandled error in component', { err, info, where });
  window.e2eApp.caught.push({ stack: err?.stack, causeStack: err?.cause?.stack, info, where });
};

// The test's page has no #app of its own (the static server writes the HTML): make one.
const container =
  document.getElementById('app') ?? document.body.appendChild(Object.assign(document.createElement('div'), { id: 'app' }));

app.mount(container);
