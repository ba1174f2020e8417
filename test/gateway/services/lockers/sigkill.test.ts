import { spawn } from 'node:child_process';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLockerSim } from '../../../../simulators/locker.ts';
import { CLI, cleanEnv, runCli, writeGatewayConfig } from '../../../helpers/cli.ts';
import { nextEvent, STAFF_TOKEN, startGateway, tempDir, until } from '../../../helpers/gateway.ts';
import { BANK_A, CODE_KEY, compartment, connectSim, isOpen, lockerOverrides, mqttUrl, staff } from './helpers.ts';

describe('locker state after SIGKILL', () => {
  it('a gateway process killed with the load door open: the restarted gateway finishes the load from the controller report', async () => {
    const dataDir = tempDir();
    const {
      file,
      http,
      mqtt: mqttPort,
    } = await writeGatewayConfig(dataDir, {
      http: { staffToken: STAFF_TOKEN },
      lockers: { banks: [BANK_A], codeKey: CODE_KEY },
    });
    const env = cleanEnv();
    const added = await runCli(['device', 'add', '--id', 'lk-01', '--kind', 'locker', '--json', '-c', file], { env });
    const { secret } = JSON.parse(added.stdout) as { secret: string };
    const child = spawn(process.execPath, [CLI, 'start', '-c', file], { env, stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, signal) => r(signal)));
    onTestFinished(() => void child.kill('SIGKILL'));
    await until(async () => (await fetch(`http://127.0.0.1:${http}/readyz`).catch(() => null))?.ok, 60_000, 'readyz');

    const sim = createLockerSim({
      url: `mqtt://127.0.0.1:${mqttPort}`,
      storeId: 'store-1',
      deviceId: 'lk-01',
      secret,
      compartments: BANK_A.compartments.map((c) => c.id),
    });
    onTestFinished(() => sim.disconnect());
    await connectSim(sim);
    const asStaff = { ports: { http } } as Parameters<typeof staff>[0];
    const res = await staff(asStaff, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-kill', size: 'M' });
    expect(res.body.compartmentId).toBe('A3');
    await sim.nextCommand(isOpen('A3'));
    await until(async () => (await compartment(asStaff, 'A3'))?.door === 'open', 5000, 'door A3 open');

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    sim.powerCut();
    sim.setPhysical('A3', { door: 'closed', occupied: true });

    const gw = await startGateway({ dataDir, overrides: lockerOverrides() });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'loading', pending: 'load' });
    const loaded = nextEvent(gw, 'locker.parcel.loaded');
    await connectSim(sim, mqttUrl(gw));
    expect((await loaded).data).toMatchObject({ orderId: 'o-kill', compartmentId: 'A3', parcelId: res.body.parcelId });
    expect(await compartment(gw, 'A3')).toMatchObject({ state: 'awaiting_pickup', pending: null, occupied: true });
  });
});
