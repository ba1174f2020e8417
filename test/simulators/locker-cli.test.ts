import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { until } from '../helpers/gateway.ts';
import { BANK_A, lockerGateway, staff } from '../gateway/services/lockers/helpers.ts';
import { mqttUrlOf } from './helpers.ts';

/** `storegate simulate locker` with faults, so store IT can see the gateway's alerts without hardware. */
describe('storegate simulate locker --jam --leave-open --power-cut', () => {
  it('a jammed door, a door left open and a power cut each raise their alert on the gateway', async () => {
    const { gw, secret } = await lockerGateway({ overrides: { 'lockers.doorOpenAlertSeconds': 4 } });
    const ids = BANK_A.compartments.map((c) => c.id).join(',');
    const cli = runCli(
      ['simulate', 'locker', '--id', 'lk-01', '--secret', secret, '--url', mqttUrlOf(gw), '--store', gw.config.storeId, '--compartments', ids].concat([
        '--jam',
        'A1',
        '--leave-open',
        'A2',
        '--power-cut',
        '1',
      ]),
      { env: cleanEnv(), timeoutMs: 15_000 },
    );
    const alerts = async () => ((await staff(gw, 'GET', '/api/v1/lockers')).body as { alerts: Array<{ key: string }> }).alerts.map((a) => a.key);
    // the cut comes after 1 s, power is back 5 s later and the first report says so
    await until(async () => (await alerts()).includes('locker-controller:lk-01:power_loss'), 15_000, 'the power-loss alert');
    expect((await staff(gw, 'POST', '/api/v1/lockers/compartments/A1/open')).status).toBe(200);
    await until(async () => (await alerts()).includes('locker:A1:jam'), 10_000, 'the jam alert');
    expect((await staff(gw, 'POST', '/api/v1/lockers/compartments/A2/open')).status).toBe(200);
    // the simulator closes doors after 3 s, before the 4 s alert: this one it leaves open
    await until(async () => (await alerts()).includes('locker:A2:door_open'), 10_000, 'the door-open alert');
    const out = await cli;
    expect(out.stdout).toMatch(/jams on its next open: A1/);
    expect(out.stdout).toMatch(/power back/);
  }, 40_000);
});
