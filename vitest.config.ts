import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // what a test waits for (a screen to fill, a live update, a delivery) may take seconds on a busy machine
    expect: { poll: { timeout: 10_000 } },
    // prints how many operations the contract check (test/helpers/contract.ts) saw answers of
    globalSetup: ['test/helpers/contract-report.ts'],
  },
});
