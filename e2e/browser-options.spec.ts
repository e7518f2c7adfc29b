/**
 * Options that only make sense in Node are refused in a page, at setup, with an error that says
 * what to do (use the proxy); and a page may push to a path on its own origin.
 */
import { expect, expectCleanPage, parsed, runPage, test } from './support/fixtures.js';

interface Refusal {
  threw: boolean;
  name?: string;
  isTypeError?: boolean;
  isConfigError?: boolean;
  message?: string;
}

const REFUSALS_SCRIPT = (pushUrl: string) => `'use strict';
const attempt = (options) => {
  try {
    cloudlog.createLogger(options);
    return { threw: false };
  } catch (error) {
    return {
      threw: true,
      name: error.name,
      isTypeError: error instanceof TypeError,
      isConfigError: error instanceof cloudlog.ConfigError,
      message: String(error.message),
    };
  }
};
const url = ${JSON.stringify(pushUrl)};
window.e2eResult = Promise.resolve({
  basicAuth: attempt({ url, username: 'u', password: 'p' }),
  bearerToken: attempt({ url, bearerToken: 't' }),
  tenant: attempt({ url, tenant: 'team-a' }),
  headers: attempt({ url, headers: { 'x-api-key': 'k' } }),
  noUrl: attempt({}),
  noOptions: attempt(undefined),
});
`;

test('credentials are refused in a browser, pointing to the proxy; a missing url says so', async ({ page, site, receiver, problems }) => {
  site.script('/refusals.js', REFUSALS_SCRIPT(receiver.url));
  const url = site.page('/refusals.html', { scripts: ['/dist/cloudlog.min.js', '/refusals.js'], connectSrc: [receiver.origin] });
  const result = await runPage<Record<string, Refusal>>(page, url);

  for (const option of ['basicAuth', 'bearerToken', 'tenant', 'headers'] as const) {
    expect(result[option], option).toMatchObject({ threw: true, name: 'ConfigError', isTypeError: true, isConfigError: true });
    expect(result[option]?.message, option).toMatch(/proxy/);
    expect(result[option]?.message, option).toMatch(/browser/);
  }
  expect(result.basicAuth?.message).toMatch(/`username`, `password`/);
  expect(result.noUrl).toMatchObject({ threw: true, isTypeError: true, isConfigError: true });
  expect(result.noUrl?.message).toMatch(/`url`/);
  expect(result.noOptions).toMatchObject({ threw: true, isTypeError: true });

  // Refused at setup: nothing was sent.
  expect(receiver.requests).toEqual([]);
  await expectCleanPage(page, problems);
});

test('a relative url resolves against the page: pushes go to the page origin', async ({ page, site, receiver, problems }) => {
  // The page origin forwards its push path to the receiver, as a same-origin proxy would.
  site.proxy('/loki/api/v1/push', receiver.url);
  site.script(
    '/relative.js',
    `'use strict';
window.e2eResult = (async () => {
  const log = cloudlog.createLogger({ url: '/loki/api/v1/push', labels: { service_name: 'e2e-relative' } });
  log.info('pushed to my own origin', { origin: location.origin });
  return { flushed: await log.flush(10000), sent: log.stats().sent };
})();
`,
  );
  // connect-src 'self' only: a push anywhere but the page's origin would be a violation.
  const url = site.page('/relative.html', { scripts: ['/dist/cloudlog.min.js', '/relative.js'], connectSrc: ["'self'"] });

  expect(await runPage(page, url)).toEqual({ flushed: true, sent: 1 });
  expect(site.requested).toContain('/loki/api/v1/push');
  expect(receiver.entries({ service_name: 'e2e-relative' }).map(parsed)).toEqual([
    { level: 'info', msg: 'pushed to my own origin', origin: site.origin },
  ]);
  await expectCleanPage(page, problems);
});
