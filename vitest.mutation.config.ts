import { defineConfig } from 'vitest/config';

/**
 * The unit tests of the pure modules, for `npm run test:mutation` (stryker.config.mjs): no gateway, no broker, no
 * build step, so Stryker can run them once per mutant. Not part of `npm test`, which runs these files too.
 */
export const MUTATION_TESTS = [
  'test/devices/ble/decoders.test.ts',
  'test/devices/ble/omg-json-line.test.ts',
  'test/devices/ble/decoder-boundaries.test.ts',
  'test/gateway/services/presence/engine.test.ts',
  'test/gateway/services/presence/engine-rules.test.ts',
  'test/gateway/services/lockers/allocate.test.ts',
  'test/devices/locker/codes-qr.test.ts',
  'test/gateway/services/outbox/batching.test.ts',
  'test/gateway/services/outbox/backoff.test.ts',
  'test/devices/rfid/sgtin.test.ts',
];

export default defineConfig({
  test: {
    include: MUTATION_TESTS,
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 30_000,
  },
});
