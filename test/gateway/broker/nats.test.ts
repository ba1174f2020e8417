import { describe, expect, it, onTestFinished } from 'vitest';
import { createLockerSim } from '../../../simulators/locker.ts';
import { ADMIN_TOKEN, connectMqtt, nextEvent, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasNats, startNats } from '../../helpers/nats.ts';
import { BANK_A, connectSim, isOpen, lockerOverrides, staff } from '../services/lockers/helpers.ts';

/**
 * A second broker family: nats-server's MQTT listener (3.1.1, JetStream-backed sessions). No provisioning API
 * and no client notices: storegate prints what store IT must do, and connectivity comes from the retained
 * status, the last will and heartbeats. (This nats-server runs without accounts: its users are store IT's.)
 */
describe.skipIf(!hasNats)('second broker family: nats-server MQTT', () => {
  it('ingests, commands a controller, sees it online and offline, and bridges CloudEvents to the fleet broker', async () => {
    const store = await startNats(tempDir('storegate-nats-'));
    const fleet = await startNats(tempDir('storegate-nats-fleet-'));
    const gw = await startGateway({
      broker: 'embedded',
      overrides: {
        ...lockerOverrides(),
        'mqtt.mode': 'external',
        'mqtt.external': { url: store.url, clientId: 'storegate-store-1' },
        'cloud.forwarders': [{ name: 'fleet', kind: 'mqtt', url: fleet.url, topic: 'storegate/{storeId}/events/{typePath}' }],
        'cloud.routes': [{ match: 'locker.*', priority: 'critical' }],
      },
    });
    // the fleet side: a stream processor subscribed to the store's events
    const processor = await connectMqtt(fleet.port, { clientId: 'fleet-processor', clean: true });
    const received: Array<{ topic: string; event: Record<string, unknown> }> = [];
    processor.on('message', (topic, payload) => received.push({ topic, event: JSON.parse(payload.toString()) }));
    await processor.subscribeAsync('storegate/store-1/events/#', { qos: 1 });

    const { secret, broker } = await gw.devices.add({ id: 'lk-01', kind: 'locker', zone: 'pickup-point' });
    expect(broker.provisioned).toBe(false);
    expect(broker.instructions).toMatch(/create the MQTT user "lk-01"/);
    expect(broker.instructions).toContain('storegate/store-1/locker/lk-01/cmd');

    const sim = createLockerSim({ url: store.url, storeId: 'store-1', deviceId: 'lk-01', secret, compartments: BANK_A.compartments.map((c) => c.id) });
    onTestFinished(() => sim.disconnect());
    // ingest (status, state) and a command back (synced)
    await connectSim(sim);
    await until(() => gw.link.connectedDeviceIds().includes('lk-01'), 5000, 'lk-01 online');
    const listed = (await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
    expect(listed.devices[0]).toMatchObject({ id: 'lk-01', connected: true });

    const res = await staff(gw, 'POST', '/api/v1/lockers/parcels', { orderId: 'o-nats-1', size: 'S' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const compartmentId = res.body.compartmentId as string;
    await sim.nextCommand(isOpen(compartmentId));
    await sim.close(compartmentId, true);

    // the bridge: structured CloudEvents (MQTT 3.1.1), the type as a topic path so NATS routes it
    const loaded = await until(() => received.find((r) => r.topic.endsWith('/locker/parcel/loaded')), 10_000, 'bridged event');
    expect(loaded?.topic).toBe('storegate/store-1/events/locker/parcel/loaded');
    expect(loaded?.event).toMatchObject({
      specversion: '1.0',
      type: 'storegate.locker.parcel.loaded',
      source: 'storegate/store-1/locker/lk-01',
      data: { orderId: 'o-nats-1' },
    });

    // the controller's connection drops: nats-server publishes its last will, and the gateway sees it offline
    const gone = nextEvent(gw, 'device.disconnected', (e) => (e.data as { deviceId: string }).deviceId === 'lk-01');
    await sim.disconnect();
    await gone;
    expect(gw.link.connectedDeviceIds()).not.toContain('lk-01');
  });
});
