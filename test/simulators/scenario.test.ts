import { describe, expect, it, onTestFinished } from 'vitest';
import { startCloudReceiver } from '../../simulators/scenario/cloud.ts';
import { SCENARIO_DEVICES, scenarioGatewayConfig } from '../../simulators/scenario/gateway-config.ts';
import { makePlan } from '../../simulators/scenario/plan.ts';
import { runScenario } from '../../simulators/scenario/run.ts';
import { compare } from '../../simulators/scenario/verify.ts';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { STAFF_TOKEN, startGateway } from '../helpers/gateway.ts';
import { httpUrlOf, mqttUrlOf } from './helpers.ts';

const SEED = 42;

async function playOnce(seed: number) {
  const cloud = await startCloudReceiver();
  onTestFinished(() => cloud.close());
  const secrets = Object.fromEntries(SCENARIO_DEVICES.map((d) => [d.id, `secret-${d.id}-0123456789`]));
  const gw = await startGateway({ overrides: { ...scenarioGatewayConfig({ cloudUrl: cloud.url, secrets }), 'log.level': 'info' } });
  return runScenario(makePlan(seed, 'small'), {
    mqttUrl: mqttUrlOf(gw),
    httpUrl: httpUrlOf(gw),
    staffToken: STAFF_TOKEN,
    storeId: gw.config.storeId,
    secrets,
    cloud,
    dbFile: `${gw.dataDir}/storegate.db`,
  });
}

describe('seeded store-day scenario', () => {
  it('makes the same plan and expected outcomes from the same seed, and a different one from another seed', () => {
    expect(makePlan(SEED)).toEqual(makePlan(SEED));
    expect(makePlan(SEED + 1).shoppers).not.toEqual(makePlan(SEED).shoppers);
    const plan = makePlan(SEED);
    expect(plan.expected.sessionsClosed).toBe(plan.shoppers.length);
    expect(plan.faults.map((f) => f.kind)).toEqual(['scanner-stall', 'cloud-down']);
  });

  it('plays end to end against real gateways over MQTT and HTTP, matches every expected outcome, twice identically; a wrong expectation exits 1', async () => {
    // the two runs and the CLI run go side by side: they are mostly waiting on compressed store time
    const [a, b, cli] = await Promise.all([
      playOnce(SEED),
      playOnce(SEED),
      runCli(['scenario', '--seed', String(SEED), '--quiet', '--break-expectation', 'sessionsClosed'], { env: cleanEnv(), timeoutMs: 100_000 }),
    ]);
    expect(a.report).toContain('all 13 checks passed');
    expect(a.ok).toBe(true);
    expect(b.ok).toBe(true);
    expect(b.actual).toEqual(a.actual);
    // the comparison itself catches a difference
    expect(
      compare({ ...a.actual, returnsDropped: a.actual.returnsDropped + 1 }, a.actual)
        .filter((c) => !c.ok)
        .map((c) => c.name),
    ).toEqual(['returnsDropped']);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/FAIL sessionsClosed/);
    expect(cli.stdout).toMatch(/1 of 13 checks FAILED/);
  }, 120_000);
});
