import { defineConfig } from 'vitest/config';

// The whole suite: unit, black-box (app.ts + inject) and interop tests with real daemons.
// Interop tests start their own daemons on loopback and need longer timeouts; they are
// written to stay within a few minutes each on a 2-core machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
