import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core store boxes and CI: two workers keep the suite fast without starving the broker under test.
    maxWorkers: 2,
  },
});
