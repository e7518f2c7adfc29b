/**
 * A small React app that logs the way an app would: on mount (useEffect), on a click, through a
 * child logger per component, and from an error boundary (componentDidCatch, with React's
 * componentStack) when a component throws while rendering.
 */
import { Component, StrictMode, useEffect, useMemo, useState, version } from 'react';
import { createRoot } from 'react-dom/client';
import { log } from './log.js';

function Cart() {
  const cartLog = useMemo(() => log.child({ component: 'Cart' }), []);
  const [clicks, setClicks] = useState(0);

  useEffect(() => {
    cartLog.info('cart mounted', { items: 0 });
  }, [cartLog]);

  const add = () => {
    const next = clicks + 1;
    setClicks(next);
    cartLog.info('item added', { clicks: next, sku: `SKU-${next}` });
  };

  return (
    <section>
      <button id="add" type="button" onClick={add}>
        Add item ({clicks})
      </button>
    </section>
  );
}

function Checkout() {
  const [paying, setPaying] = useState(false);
  if (paying) throw new Error('checkout render failed', { cause: new TypeError('total is NaN') });
  return (
    <button id="pay" type="button" onClick={() => setPaying(true)}>
      Pay
    </button>
  );
}

class ErrorBoundary extends Component {
  state = { error: null };
  log = log.child({ component: 'ErrorBoundary' });

  static getDerivedStateFromError(error) {
    return { error };
  }

  componentDidCatch(error, info) {
    this.log.error('render failed', { err: error, componentStack: info.componentStack });
    window.e2eApp.caught.push({ stack: error.stack, causeStack: error.cause?.stack, componentStack: info.componentStack });
  }

  render() {
    if (this.state.error) return <p id="fallback" role="alert">Checkout is unavailable</p>;
    return this.props.children;
  }
}

function App() {
  useEffect(() => {
    log.info('app mounted', { react: version });
  }, []);
  return (
    <main>
      <Cart />
      <ErrorBoundary>
        <Checkout />
      </ErrorBoundary>
    </main>
  );
}

// The test's page has no #root of its own (the static server writes the HTML): make one.
const container =
  document.getElementById('root') ?? document.body.appendChild(Object.assign(document.createElement('div'), { id: 'root' }));

createRoot(container).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
