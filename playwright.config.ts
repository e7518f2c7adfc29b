/**
 * End-to-end tests: Debian's Chromium, driven by Playwright, against the built `dist/`
 * (`npm run build` first). Playwright cannot download its own browsers on this machine, so the
 * browser is launched by path; without it the run fails loudly instead of skipping.
 */
import { existsSync } from 'node:fs';
import { defineConfig, devices } from '@playwright/test';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

if (!existsSync(CHROMIUM)) {
  throw new Error(
    `cloudlog e2e: no Chromium at ${CHROMIUM}. Install Debian's package (apt-get install chromium) or set CHROMIUM_PATH; ` +
      'these tests never download a browser, and they do not skip.',
  );
}
for (const file of ['dist/cloudlog.min.js', 'dist/index.js']) {
  if (!existsSync(new URL(file, import.meta.url))) throw new Error(`cloudlog e2e: ${file} is missing; run \`npm run build\` first.`);
}

export default defineConfig({
  testDir: 'e2e',
  // A 2-core machine: one browser at a time keeps timings honest.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  use: {
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          executablePath: CHROMIUM,
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--no-first-run',
            '--disable-quic',
            '--disable-sync',
          ],
        },
      },
    },
  ],
});
