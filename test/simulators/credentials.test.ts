import { describe, expect, it } from 'vitest';
import { createLockerSim } from '../../simulators/locker.ts';
import { createMirrorSim } from '../../simulators/smart-mirror.ts';
import { createStaffClient } from '../../simulators/staff.ts';
import { runLoad } from '../../simulators/load.ts';
import { frameOf, ITEMS } from '../gateway/services/fitting/helpers.ts';
import { cleanEnv, runCli } from '../helpers/cli.ts';
import { addDevice, STAFF_TOKEN, startGateway } from '../helpers/gateway.ts';
import { httpUrlOf, mqttUrlOf } from './helpers.ts';

/**
 * Every simulator is a real client of the gateway with its own credentials: with the right ones it is served, with
 * wrong ones the broker or the API refuses it (the BLE scanner's case is in ble-scanner.test.ts).
 */
describe('simulators and credentials', () => {
  it('a mirror simulator gets answers with its secret and is refused with a wrong one, in code and from `storegate simulate mirror`', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'm-1', 'mirror', 'fitting-1');
    const base = { url: mqttUrlOf(gw), storeId: gw.config.storeId, deviceId: 'm-1' };

    const wrong = createMirrorSim({ ...base, secret: 'not-the-secret-0123' });
    await expect(wrong.connect()).rejects.toThrow(/not authori[sz]ed|bad user/i);
    const stranger = createMirrorSim({ ...base, deviceId: 'm-unknown', secret });
    await expect(stranger.connect()).rejects.toThrow(/not authori[sz]ed|bad user/i);

    const args = ['simulate', 'mirror', '--id', 'm-1', '--url', base.url, '--store', gw.config.storeId, '--frames', '2', '--interval', '0.2'];
    const ok = await runCli([...args, '--secret', secret], { env: cleanEnv(), timeoutMs: 60_000 });
    expect(ok.code, ok.stderr).toBe(0);
    // frames 0 and 1 of the Fashion-MNIST test set: an ankle boot and a pullover, answered with a catalog product
    expect(ok.stdout).toMatch(/frame 0: Ankle boot \d+% → SG-\d+/);
    expect(ok.stdout).toMatch(/frame 1: Pullover \d+% → SG-\d+/);
    // with --ask-size the shopper asks staff for the item in a size the store has
    const asked = await runCli(
      ['simulate', 'mirror', '--id', 'm-1', '--url', base.url, '--store', gw.config.storeId, '--frames', '1', '--ask-size', '--secret', secret],
      {
        env: cleanEnv(),
        timeoutMs: 60_000,
      },
    );
    expect(asked.code, asked.stderr).toBe(0);
    const request = /asked staff for (SG-\d+) in (\S+): open \(request (\S+)\)/.exec(asked.stdout);
    expect(request, asked.stdout).not.toBeNull();
    // it reached the staff queue; the simulated shopper then stepped away, which calls it off
    const queue = await createStaffClient({ httpUrl: httpUrlOf(gw), token: STAFF_TOKEN }).sizeRequests('cancelled');
    expect(queue.body.requests).toContainEqual(expect.objectContaining({ id: request?.[3], productId: request?.[1], size: request?.[2], mirrorId: 'm-1' }));
    const refused = await runCli([...args, '--secret', 'not-the-secret-0123'], { env: cleanEnv(), timeoutMs: 60_000 });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/not authori[sz]ed|bad user/i);
  }, 90_000);

  it('`storegate simulate staff --bring-sizes` claims a fitting-room size request and brings it; the mirror sees both', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'm-2', 'mirror', 'fitting-2');
    const mirror = createMirrorSim({ url: mqttUrlOf(gw), storeId: gw.config.storeId, deviceId: 'm-2', secret });
    await mirror.connect();
    await mirror.sendFrame(await frameOf(ITEMS.dress));
    const item = (await mirror.nextCommand('recognised')).item;
    const size = item?.sizes.find((s) => s.inStock)?.size as string;
    await mirror.interact({ type: 'size_request', productId: item?.sku as string, size });
    await mirror.nextCommand('size_request', (c) => c.status === 'open');
    const cli = runCli(['simulate', 'staff', '--id', 'anna', '--token', STAFF_TOKEN, '--http', httpUrlOf(gw), '--bring-sizes', '--walk', '0.3'], {
      env: cleanEnv(),
      timeoutMs: 5000,
    });
    await mirror.nextCommand('size_request', (c) => c.status === 'claimed', 5000);
    await mirror.nextCommand('size_request', (c) => c.status === 'done', 8000);
    const out = await cli;
    expect(out.stdout).toMatch(new RegExp(`claimed ${item?.sku} ${size} for m-2: 200`));
    expect(out.stdout).toMatch(new RegExp(`brought ${item?.sku} ${size} to m-2: 200`));
    await mirror.disconnect();
    const refused = await runCli(['simulate', 'staff', '--id', 'anna', '--token', 'not-the-token', '--http', httpUrlOf(gw), '--bring-sizes'], {
      env: cleanEnv(),
      timeoutMs: 8000,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/HTTP 401/);
  }, 40_000);

  it('a locker controller simulator connects with its secret and is refused with a wrong one', async () => {
    const gw = await startGateway({ overrides: { 'lockers.banks': [{ id: 'A', controllerId: 'lk-1', compartments: [{ id: 'A1', size: 'S' }] }] } });
    const secret = await addDevice(gw, 'lk-1', 'locker', 'click-and-collect');
    const base = { url: mqttUrlOf(gw), storeId: gw.config.storeId, deviceId: 'lk-1', compartments: ['A1'] };
    const wrong = createLockerSim({ ...base, secret: 'not-the-secret-0123' });
    await expect(wrong.connect()).rejects.toThrow(/not authori[sz]ed|bad user/i);
    const right = createLockerSim({ ...base, secret });
    await right.connect();
    // it is served: a code typed on its keypad gets the gateway's answer
    await right.enterCode('000000');
    await expect(right.nextCommand((c) => c.type === 'keypad', 10_000)).resolves.toMatchObject({ type: 'keypad', result: 'wrong' });
    await right.disconnect();
  }, 30_000);

  it('the staff client is refused without the staff token; the load generator is refused without the admin token', async () => {
    const gw = await startGateway();
    const good = await createStaffClient({ httpUrl: httpUrlOf(gw), token: STAFF_TOKEN }).sizeRequests();
    expect(good.status).toBe(200);
    const bad = await createStaffClient({ httpUrl: httpUrlOf(gw), token: 'not-the-token' }).loadParcel('o-1', 'S');
    expect(bad.status).toBe(401);
    await expect(
      runLoad({
        url: mqttUrlOf(gw),
        httpUrl: httpUrlOf(gw),
        adminToken: 'not-the-token',
        storeId: gw.config.storeId,
        devices: 2,
        rate: 10,
        durationSeconds: 1,
        qos: 1,
      }),
    ).rejects.toThrow(/401/);
  }, 30_000);
});
