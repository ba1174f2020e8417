import { describe, expect, it, onTestFinished } from 'vitest';
import { startBleScanner } from '../../../simulators/ble-scanner.ts';
import { createLockerSim } from '../../../simulators/locker.ts';
import { createRng } from '../../../simulators/rng.ts';
import { createMirrorSim } from '../../../simulators/smart-mirror.ts';
import { connectMqtt, nextEvent, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startMosquitto } from '../../helpers/mosquitto.ts';

/** The retained messages a fresh subscriber gets on the store's status topics: what any broker keeps for a device. */
async function retainedStatuses(port: number): Promise<Map<string, { online: boolean }>> {
  const probe = await connectMqtt(port, { clientId: `probe-${Math.random().toString(36).slice(2, 8)}` });
  const got = new Map<string, { online: boolean }>();
  probe.on('message', (topic, payload, packet) => {
    if (packet.retain) got.set(topic.split('/')[3] as string, JSON.parse(payload.toString()) as { online: boolean });
  });
  await probe.subscribeAsync('storegate/store-1/+/+/status', { qos: 1 });
  // retained messages come right after SUBACK; a round trip through the broker marks the end of them
  await new Promise<void>((r) => {
    probe.on('message', (t) => t === 'probe/done' && r());
    void probe.subscribeAsync('probe/done').then(() => probe.publishAsync('probe/done', 'x'));
  });
  await probe.endAsync();
  return got;
}

/**
 * Simulators behave like real devices on any broker: a retained online `status` at connect, a retained last will,
 * heartbeats, and a retained offline status when they leave cleanly. A plain mosquitto here (no dynamic security,
 * no client notices): the gateway knows who is online from those messages alone.
 */
describe.skipIf(!hasMosquitto)('simulators on an external broker without client events', () => {
  it('every simulator kind shows online from its own messages, and a restarted gateway learns it from the retained status', async () => {
    const mosq = await startMosquitto(tempDir('storegate-mosquitto-'));
    const dataDir = tempDir();
    const external = { url: mosq.url, clientId: 'storegate-store-1' };
    const start = () => startGateway({ dataDir, broker: 'embedded', keep: true, overrides: { 'mqtt.mode': 'external', 'mqtt.external': external } });
    let gw = await start();
    onTestFinished(() => gw.stopGateway());
    const lockerSecret = (await gw.devices.add({ id: 'lk-01', kind: 'locker' })).secret;
    const mirrorSecret = (await gw.devices.add({ id: 'mirror-1', kind: 'mirror' })).secret;
    const scannerSecret = (await gw.devices.add({ id: 'sc-1', kind: 'ble-scanner' })).secret;

    const locker = createLockerSim({ url: mosq.url, storeId: 'store-1', deviceId: 'lk-01', secret: lockerSecret, compartments: ['A1'] });
    const mirror = createMirrorSim({ url: mosq.url, storeId: 'store-1', deviceId: 'mirror-1', secret: mirrorSecret });
    await locker.connect();
    await mirror.connect();
    const scanner = await startBleScanner({
      url: mosq.url,
      storeId: 'store-1',
      id: 'sc-1',
      secret: scannerSecret,
      at: { x: 0, y: 0 },
      emitters: () => [],
      rng: createRng(1),
      heartbeatSeconds: 1,
    });
    onTestFinished(async () => {
      await scanner.close();
      await mirror.disconnect();
      await locker.disconnect();
    });
    await until(() => ['lk-01', 'mirror-1', 'sc-1'].every((id) => gw.link.connectedDeviceIds().includes(id)), 5000, 'all three online');
    const retained = await retainedStatuses(mosq.port);
    for (const id of ['lk-01', 'mirror-1', 'sc-1']) expect(retained.get(id)).toMatchObject({ online: true });

    // heartbeats: the scanner's status keeps coming while it says nothing else
    const beat = (n: number) => nextEvent(gw, 'device.status', (e) => (e.data as { deviceId: string }).deviceId === 'sc-1', 5000).then(() => n);
    await beat(1);
    await beat(2);

    // a gateway that starts while the devices are quiet knows they are online from the broker's retained statuses
    await gw.stopGateway();
    gw = await start();
    await until(() => ['lk-01', 'mirror-1'].every((id) => gw.link.connectedDeviceIds().includes(id)), 5000, 'online from retained status');
  });

  it('a power cut publishes the retained last will and a clean disconnect a retained offline status: both go offline', async () => {
    const mosq = await startMosquitto(tempDir('storegate-mosquitto-'));
    const gw = await startGateway({ broker: 'embedded', overrides: { 'mqtt.mode': 'external', 'mqtt.external': { url: mosq.url, clientId: 'storegate-s1' } } });
    const lockerSecret = (await gw.devices.add({ id: 'lk-01', kind: 'locker' })).secret;
    const mirrorSecret = (await gw.devices.add({ id: 'mirror-1', kind: 'mirror' })).secret;
    const locker = createLockerSim({ url: mosq.url, storeId: 'store-1', deviceId: 'lk-01', secret: lockerSecret, compartments: ['A1'] });
    const mirror = createMirrorSim({ url: mosq.url, storeId: 'store-1', deviceId: 'mirror-1', secret: mirrorSecret });
    await locker.connect();
    await mirror.connect();
    onTestFinished(() => locker.disconnect());
    await until(() => gw.link.connectedDeviceIds().includes('lk-01') && gw.link.connectedDeviceIds().includes('mirror-1'), 5000, 'both online');

    const offline = (id: string) => nextEvent(gw, 'device.disconnected', (e) => (e.data as { deviceId: string }).deviceId === id, 10_000);
    const lockerGone = offline('lk-01');
    locker.powerCut();
    expect((await lockerGone).data).toMatchObject({ reason: 'last_will' });
    const mirrorGone = offline('mirror-1');
    await mirror.disconnect();
    await mirrorGone;
    const retained = await retainedStatuses(mosq.port);
    expect(retained.get('lk-01')).toEqual({ online: false });
    expect(retained.get('mirror-1')).toEqual({ online: false });
    expect(gw.link.connectedDeviceIds()).toEqual([]);
  });
});
