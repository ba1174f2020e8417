// @ts-check
/**
 * Mutation check of the pure modules (`npm run test:mutation`, slow: not part of `npm test`). One module at a time:
 * `npm run test:mutation -- ble` (ble | presence | lockers | outbox | sgtin); no argument runs them all.
 * Scores per module are in test/README.md. Only the unit tests in vitest.mutation.config.ts run, and with `perTest`
 * coverage each mutant runs only the tests that reach it.
 */
export const MODULES = {
  ble: [
    'devices/ble/altbeacon.ts',
    'devices/ble/decode.ts',
    'devices/ble/eddystone.ts',
    'devices/ble/hex.ts',
    'devices/ble/ibeacon.ts',
    'devices/ble/json-line.ts',
    'devices/ble/omg.ts',
  ],
  presence: ['gateway/services/presence/engine.ts', 'gateway/services/presence/rssi-filter.ts'],
  lockers: ['gateway/services/lockers/allocate.ts', 'devices/locker/codes.ts', 'devices/locker/return-qr.ts'],
  // ordering (nextBatch) and budget (totals, enforceBudget) of repository.ts; ack, dead letters and TTL expiry are
  // covered by the service tests, too slow to run once per mutant
  outbox: ['gateway/services/outbox/repository.ts:27-57', 'gateway/services/outbox/repository.ts:172-223', 'gateway/services/outbox/backoff.ts'],
  sgtin: ['devices/rfid/sgtin.ts'],
};

const only = process.env.STRYKER_MODULE;
if (only && !(only in MODULES)) throw new Error(`STRYKER_MODULE=${only}: one of ${Object.keys(MODULES).join(', ')}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  plugins: ['@stryker-mutator/vitest-runner'],
  mutate: only ? MODULES[/** @type {keyof typeof MODULES} */ (only)] : Object.values(MODULES).flat(),
  coverageAnalysis: 'perTest',
  // a shared 2-core box: one mutant at a time
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ['clear-text', 'progress-append-only', 'json'],
  jsonReporter: { fileName: `reports/mutation/${only ?? 'all'}.json` },
  ignorePatterns: ['reports', 'test-artifacts', 'dist', 'coverage', 'data'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
