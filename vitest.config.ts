import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // kills, fuzzing and storms run with `npm run test:reliability` (vitest.reliability.config.ts)
    exclude: ['test/reliability/**', '**/node_modules/**'],
    // the CLI runs from dist/: rebuilt before every run, so no test sees a stale build
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // 2-core store boxes and CI: two workers keep the suite fast without starving the broker under test.
    maxWorkers: 2,
  },
});
