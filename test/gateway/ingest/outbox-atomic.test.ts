import { describe, expect, it } from 'vitest';
import { addDevice, connectMqtt, deviceTopic, publish, startGateway } from '../../helpers/gateway.ts';
import { freePort } from '../../helpers/mosquitto.ts';

describe('device events meant for the cloud', () => {
  it('are in the outbox by the time the device gets its PUBACK (same transaction as the device event)', async () => {
    // a receiver that is down: nothing drains, so the outbox row must still be there
    const deadPort = await freePort();
    const gw = await startGateway({ overrides: { 'cloud.forwarders': [{ name: 'cloud', kind: 'http', url: `http://127.0.0.1:${deadPort}/events` }] } });
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, msgId: 'hb-1' }));
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'telemetry'), JSON.stringify({ type: 'door' }));
    const stored = await gw.db.all<{ id: string; type: string }>('SELECT id, type FROM device_events ORDER BY seq');
    expect(stored.map((r) => r.type)).toEqual(['device.status', 'device.message']);
    const queued = await gw.db.all<{ id: string }>('SELECT id FROM outbox_events');
    // device.status is routed (bulk) by the default cloud.routes; telemetry is not
    expect(queued.map((r) => r.id)).toEqual([stored[0]?.id]);
  });
});
