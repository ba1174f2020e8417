import { describe, expect, it, onTestFinished } from 'vitest';
import { createLockerSim } from '../../../simulators/locker.ts';
import { ADMIN_TOKEN, connectMqtt, nextEvent, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasRabbitMQ, startRabbitMQ } from '../../helpers/rabbitmq.ts';
import { BANK_A, connectSim, isOpen, lockerOverrides, staff } from '../services/lockers/helpers.ts';

const SERVICE = { username: 'storegate-service', password: 'svc-pass-0123456789' };
const LK = { id: 'lk-01', secret: 'lk-01-secret-0123456789abcdef' };

/**
 * A third broker family: RabbitMQ 3.10's MQTT plugin (Debian's rabbitmq-server). No provisioning API storegate uses:
 * store IT creates the device's user and topic permissions (here: the definitions file), storegate logs what to do.
 * RabbitMQ maps MQTT `/` to `.` in routing keys, so its topic permissions are regexes over dotted keys, and it
 * delivers retained messages only to subscriptions without wildcards (the gateway's are wildcards): connectivity
 * there comes from live status, last will and heartbeats. Slow to start (tens of seconds on 2 busy cores).
 */
describe.skipIf(!hasRabbitMQ)('third broker family: RabbitMQ MQTT plugin', () => {
  it('ingests from a config device with broker-side permissions, commands it, sees it online and offline, and bridges CloudEvents', {
    timeout: 360_000,
  }, async () => {
    const rabbit = await startRabbitMQ(tempDir('storegate-rabbitmq-'), [
      { name: SERVICE.username, password: SERVICE.password },
      {
        name: LK.id,
        password: LK.secret,
        write: String.raw`^storegate\.store-1\.locker\.lk-01\.(?!cmd$)[^.]+$`,
        read: String.raw`^storegate\.store-1\.locker\.lk-01\.cmd$`,
      },
    ]);
    const gw = await startGateway({
      broker: 'embedded',
      overrides: {
        ...lockerOverrides(),
        'mqtt.mode': 'external',
        'mqtt.external': { url: rabbit.url, clientId: 'storegate-store-1' },
        'service.password': SERVICE.password,
        devices: [{ id: LK.id, kind: 'locker', zone: 'pickup-point', secret: LK.secret }],
        'cloud.forwarders': [
          { name: 'fleet', kind: 'mqtt', url: rabbit.url, username: SERVICE.username, password: SERVICE.password, topic: 'fleet/{storeId}/{typePath}' },
        ],
        'cloud.routes': [{ match: 'locker.*', priority: 'critical' }],
      },
    });
    // a broker without a provisioning API: the start says what store IT must do for the config's device
    expect(gw.logs.lines.some((l) => l.includes('create the MQTT user \\"lk-01\\"'))).toBe(true);

    const processor = await connectMqtt(rabbit.port, { clientId: 'fleet-processor', username: SERVICE.username, password: SERVICE.password });
    const received: Array<{ topic: string; event: Record<string, unknown> }> = [];
    processor.on('message', (topic, payload) => received.push({ topic, event: JSON.parse(payload.toString()) }));
    await processor.subscribeAsync('fleet/#', { qos: 1 });

    const sim = createLockerSim({
      url: rabbit.url,
      storeId: 'store-1',
      deviceId: LK.id,
      secret: LK.secret,
      compartments: BANK_A.compartments.map((c) => c.id),
    });
    onTestFinished(() => sim.disconnect());
    await connectSim(sim);
    await until(() => gw.link.connectedDeviceIds().includes(LK.id), 10_000, 'lk-01 online');
    const listed = (await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(listed.devices.find((d: { id: string }) => d.id === LK.id)).toMatchObject({ connected: true });

    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-rabbit-1', size: 'S' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const compartmentId = res.body.compartmentId as string;
    await sim.nextCommand(isOpen(compartmentId), 10_000);
    await sim.close(compartmentId, true);
    const loaded = await until(() => received.find((r) => r.topic.endsWith('/locker/parcel/loaded')), 20_000, 'bridged event');
    expect(loaded?.topic).toBe('fleet/store-1/locker/parcel/loaded');
    expect(loaded?.event).toMatchObject({ specversion: '1.0', type: 'storegate.locker.parcel.loaded', data: { orderId: 'o-rabbit-1' } });

    // RabbitMQ enforces the device's permissions: a publish as another device closes its connection
    const rogue = await connectMqtt(rabbit.port, { clientId: 'lk-01-rogue', username: LK.id, password: LK.secret });
    const closed = new Promise<void>((r) => rogue.once('close', () => r()));
    rogue.publish('storegate/store-1/locker/lk-02/status', JSON.stringify({ online: true }), { qos: 1 });
    await closed;

    // the controller loses power: RabbitMQ publishes its last will and the gateway sees it offline
    const gone = nextEvent(gw, 'device.disconnected', (e) => (e.data as { deviceId: string }).deviceId === LK.id, 20_000);
    sim.powerCut();
    expect((await gone).data).toMatchObject({ reason: 'last_will' });
  });
});
