import { defineConfig } from 'vitest/config';

/**
 * The store-day suites: each one plays a whole seeded store day against real gateways (minutes of CPU on a 2-core
 * box), so they run as `npm run test:store-day`, after `npm test`, and CI gates on both (`.ci/run`).
 */
export const STORE_DAY_SUITES = [
  'test/simulators/scenario.test.ts',
  'test/gateway/services/privacy/outbound-inspection.test.ts',
  'test/gateway/services/privacy/store-day-erasure.test.ts',
];

export default defineConfig({
  test: {
    include: STORE_DAY_SUITES,
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // one store day at a time: its timing checks (a beacon missing, an alert raised) need the CPU they plan for
    maxWorkers: 1,
    fileParallelism: false,
  },
});
