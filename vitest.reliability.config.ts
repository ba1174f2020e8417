import { defineConfig } from 'vitest/config';

/** `npm run test:reliability`: kills, fuzzing, storms and faults against real gateway processes. Not part of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/reliability/helpers/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // one file at a time: each one loads a gateway process to its limit on a 2-core box
    maxWorkers: 1,
    fileParallelism: false,
  },
});
