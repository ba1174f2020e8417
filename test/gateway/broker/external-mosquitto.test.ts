import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLockerSim } from '../../../simulators/locker.ts';
import { cleanEnv, runCli } from '../../helpers/cli.ts';
import { ADMIN_TOKEN, connectMqtt, nextEvent, publish, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startMosquittoDynsec } from '../../helpers/mosquitto.ts';
import { BANK_A, connectSim, isOpen, lockerOverrides, staff } from '../services/lockers/helpers.ts';

const SERVICE = { username: 'storegate-service', password: 'svc-pass-0123456789' };

/** A store as deploy/README.md sets it up: mosquitto with dynamic security, the gateway in external mode. */
async function store() {
  const dataDir = tempDir();
  const mosq = await startMosquittoDynsec(tempDir('storegate-mosquitto-'), SERVICE);
  const external = { url: mosq.url, clientId: 'storegate-store-1', dynamicSecurity: true, clientEvents: 'mosquitto-log' };
  const configFile = join(dataDir, 'storegate.yaml');
  writeFileSync(configFile, JSON.stringify({ dataDir, mqtt: { mode: 'external', external }, service: SERVICE }));
  const gw = await startGateway({
    dataDir,
    broker: 'embedded',
    overrides: { ...lockerOverrides(), 'mqtt.mode': 'external', 'mqtt.external': external, 'service.password': SERVICE.password },
  });
  const cli = (...args: string[]) => runCli(['device', ...args, '--config', configFile], { env: cleanEnv() });
  return { gw, mosq, cli };
}

const devices = async (gw: Awaited<ReturnType<typeof startGateway>>) =>
  (
    (await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json() as {
      devices: Array<{ id: string; connected: boolean; enabled: boolean }>;
    }
  ).devices;

describe.skipIf(!hasMosquitto)('external mosquitto with dynamic security', () => {
  it('a controller added with `storegate device add` logs in to mosquitto, shows online, and staff load a parcel into it', async () => {
    const { gw, mosq, cli } = await store();
    const add = await cli('add', '--id', 'lk-01', '--kind', 'locker', '--zone', 'pickup-point', '--json');
    expect(add.code, add.stderr).toBe(0);
    const { secret, broker } = JSON.parse(add.stdout) as { secret: string; broker: { provisioned: boolean } };
    expect(broker.provisioned).toBe(true);

    const sim = createLockerSim({ url: mosq.url, storeId: gw.config.storeId, deviceId: 'lk-01', secret, compartments: BANK_A.compartments.map((c) => c.id) });
    onTestFinished(() => sim.disconnect());
    await connectSim(sim);
    expect((await devices(gw)).find((d) => d.id === 'lk-01')).toMatchObject({ connected: true, enabled: true });

    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-ext-1', size: 'S' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const compartmentId = res.body.compartmentId as string;
    await sim.nextCommand(isOpen(compartmentId));
    const loaded = nextEvent(gw, 'locker.parcel.loaded', (e) => (e.data as { orderId: string }).orderId === 'o-ext-1');
    await sim.close(compartmentId, true);
    await loaded;

    // the controller goes away: mosquitto's notice makes it offline at once, and staff are told so
    const gone = nextEvent(gw, 'device.disconnected', (e) => (e.data as { deviceId: string }).deviceId === 'lk-01');
    await sim.disconnect();
    await gone;
    expect((await devices(gw)).find((d) => d.id === 'lk-01')?.connected).toBe(false);
    const refused = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-ext-2', size: 'S' });
    expect(refused.status).toBe(409);
  });

  it("gives a device exactly its own topics: others' topics and its cmd are refused by mosquitto", async () => {
    const { gw, mosq } = await store();
    const { secret } = await gw.devices.add({ id: 'lk-01', kind: 'locker' });
    await gw.devices.add({ id: 'lk-02', kind: 'locker' });
    const device = await connectMqtt(mosq.port, { clientId: 'lk-01-a', username: 'lk-01', password: secret });
    const own = await device.subscribeAsync('storegate/store-1/locker/lk-01/cmd', { qos: 1 });
    expect(own[0]?.qos).toBe(1);
    // SUBACK 0x80 (mqtt.js rejects the subscribe)
    await expect(device.subscribeAsync('storegate/store-1/locker/lk-02/cmd', { qos: 1 })).rejects.toThrow(/Subscribe error/);
    await expect(device.subscribeAsync('#', { qos: 1 })).rejects.toThrow(/Subscribe error/);

    // a publish as lk-02 is dropped by mosquitto (MQTT 3.1.1 still acks it); its own status gets through
    await publish(device, 'storegate/store-1/locker/lk-02/status', JSON.stringify({ online: true, msgId: 'x' }));
    await publish(device, 'storegate/store-1/locker/lk-01/cmd', JSON.stringify({ type: 'open', compartment: 'A1' }));
    await publish(device, 'storegate/store-1/locker/lk-01/status', JSON.stringify({ online: true, msgId: 'own' }));
    await until(async () => (await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM device_events WHERE device_id = 'lk-01'"))?.n === 1, 5000, 'own status');
    expect((await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM device_events WHERE device_id = 'lk-02'"))?.n).toBe(0);
    // a wrong password is refused
    await expect(connectMqtt(mosq.port, { clientId: 'lk-01-b', username: 'lk-01', password: 'wrong' })).rejects.toThrow(/Not authorized|Bad User Name/i);
  });

  it('revoke through the API disconnects the device within a second and its secret stops working', async () => {
    const { gw, mosq } = await store();
    const { secret } = await gw.devices.add({ id: 'lk-01', kind: 'locker' });
    const device = await connectMqtt(mosq.port, { clientId: 'lk-01-a', username: 'lk-01', password: secret, reconnectPeriod: 0 });
    await until(() => gw.link.connectedDeviceIds().includes('lk-01'), 5000, 'lk-01 online');
    const closed = new Promise<number>((r) => device.once('close', () => r(Date.now())));
    const t0 = Date.now();
    const res = await gw.http.inject({ method: 'DELETE', url: '/api/v1/devices/lk-01', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.json()).toMatchObject({ revoked: true, broker: { provisioned: true } });
    expect((await closed) - t0).toBeLessThan(1000);
    expect(gw.link.connectedDeviceIds()).not.toContain('lk-01');
    await expect(connectMqtt(mosq.port, { clientId: 'lk-01-b', username: 'lk-01', password: secret })).rejects.toThrow(/Not authorized|Bad User Name/i);
  });

  it('revoke with `storegate device revoke` disconnects the device before the command returns', async () => {
    const { gw, mosq, cli } = await store();
    const add = await cli('add', '--id', 'mirror-1', '--kind', 'mirror', '--json');
    const { secret } = JSON.parse(add.stdout) as { secret: string };
    const device = await connectMqtt(mosq.port, { clientId: 'mirror-1-a', username: 'mirror-1', password: secret, reconnectPeriod: 0 });
    await until(() => gw.link.connectedDeviceIds().includes('mirror-1'), 5000, 'mirror-1 online');
    const closed = new Promise<number>((r) => device.once('close', () => r(Date.now())));
    const r = await cli('revoke', 'mirror-1');
    const returned = Date.now();
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/deleted on the broker/);
    // cut off by the command itself (mosquitto deletes the client), not by the gateway's 3 s revocation sweep
    expect(await closed).toBeLessThanOrEqual(returned);
    await until(() => !gw.link.connectedDeviceIds().includes('mirror-1'), 5000, 'mirror-1 offline');
  });
});
