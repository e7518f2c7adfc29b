import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests bind real sockets on 127.0.0.1; keep the 2-core CI machine unsaturated.
    maxWorkers: 2,
    testTimeout: 20_000,
  },
});
