import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engines/**/__tests__/**/*.test.ts', 'web/**/__tests__/**/*.test.ts', 'server/**/__tests__/**/*.test.ts', 'cli/**/__tests__/**/*.test.ts', 'e2e/**/*.test.ts'],
    globalSetup: ['server/test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // expect.poll waits for a page or a job to catch up; on a shared two-core machine that can take seconds.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    // Two cores: more workers than that only queue behind each other and the database.
    maxWorkers: 2,
  },
});
