import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { STORE_DAY_SUITES } from './vitest.store-day.config.ts';

/**
 * The capability suites that run a second time with the gateway in external mode against a real mosquitto
 * (dynamic security, client notices): test/helpers/gateway.ts reads STOREGATE_TEST_BROKER. Representative files
 * per capability, chosen to keep `npm test` well under 10 minutes; the rest run on the embedded broker only.
 * Not here: suites about the embedded broker itself (auth, ACL, TLS listeners, its Home Assistant login), gateway processes started from
 * the CLI (SIGKILL, restarts through `storegate start`), and suites that do not use MQTT.
 */
export const EXTERNAL_SUITES = [
  'test/gateway/services/lockers/load-pickup.test.ts',
  'test/gateway/services/lockers/returns.test.ts',
  'test/gateway/services/lockers/faults.test.ts',
  'test/gateway/services/lockers/restart.test.ts',
  'test/gateway/services/lockers/outbox.test.ts',
  'test/gateway/services/fitting/mirror.test.ts',
  'test/gateway/services/fitting/late-requests.test.ts',
  'test/gateway/services/fitting/rfid.test.ts',
  'test/gateway/services/presence/gateway.test.ts',
  'test/gateway/services/outbox/gateway-wiring.test.ts',
  'test/gateway/services/dashboard/api.test.ts',
  'test/gateway/ingest/bad-input.test.ts',
  'test/gateway/http.test.ts',
];

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto', '/usr/local/sbin/mosquitto'].some((p) => existsSync(p));
// under CI the external project always runs (and fails without mosquitto); on a developer machine it is skipped, visibly
const external = MOSQUITTO || Boolean(process.env.CI);
if (!external)
  console.warn('[storegate tests] mosquitto not found: the capability suites run on the embedded broker only (the external-broker run is SKIPPED)');

const common = {
  // the CLI runs from dist/: rebuilt before every run, so no test sees a stale build
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 30_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    ...common,
    pool: 'forks',
    // 2-core store boxes and CI: two workers keep the suite fast without starving the broker under test.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['test/**/*.test.ts'],
          // kills, fuzzing and storms run with `npm run test:reliability` (vitest.reliability.config.ts)
          // store days run with `npm run test:store-day` (vitest.store-day.config.ts), also gated by CI
          exclude: ['test/reliability/**', '**/node_modules/**', ...STORE_DAY_SUITES],
        },
      },
      ...(external ? [{ extends: true as const, test: { name: 'mosquitto', include: EXTERNAL_SUITES, env: { STOREGATE_TEST_BROKER: 'mosquitto' } } }] : []),
    ],
  },
});
