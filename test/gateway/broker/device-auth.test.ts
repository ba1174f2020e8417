import { describe, expect, it } from 'vitest';
import { addDevice, connectMqtt, deviceTopic, metricValue, nextEvent, publish, startGateway, until } from '../../helpers/gateway.ts';

const countEvents = async (gw: Awaited<ReturnType<typeof startGateway>>, deviceId: string) =>
  (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events WHERE device_id = ?', [deviceId]))?.n ?? 0;

describe('embedded broker device authentication and ACL', () => {
  it('accepts a registered device on its own topic: the event reaches the bus and the SQLite file', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker', 'backroom');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret, clientId: 'lk-01' });
    const seen = nextEvent(gw, 'device.status', (e) => (e.data as { deviceId: string }).deviceId === 'lk-01');
    await publish(client, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, firmware: '1.2.3', batteryPct: 80 }));
    // PUBACK arrived: the row must already be in the file
    expect(await countEvents(gw, 'lk-01')).toBe(1);
    const event = await seen;
    expect(event.source).toBe('storegate/store-1/locker/lk-01');
    expect(event.data).toMatchObject({ online: true, firmware: '1.2.3', batteryPct: 80 });
    const row = await gw.db.get<{ id: string; type: string; data: string }>('SELECT id, type, data FROM device_events WHERE device_id = ?', ['lk-01']);
    expect(row?.id).toBe(event.id);
    expect(JSON.parse(row?.data ?? '{}')).toMatchObject({ firmware: '1.2.3' });
  });

  it('refuses a wrong secret, a revoked device and an unknown device, and counts each', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'm-1', 'mirror');
    await expect(connectMqtt(gw.ports.mqtt, { username: 'm-1', password: `${secret}x` })).rejects.toThrow(/Bad username or password|Not authorized/);
    await expect(connectMqtt(gw.ports.mqtt, { username: 'ghost', password: 'whatever' })).rejects.toThrow();
    await gw.registry.revoke('m-1');
    await expect(connectMqtt(gw.ports.mqtt, { username: 'm-1', password: secret })).rejects.toThrow();
    await expect(connectMqtt(gw.ports.mqtt, {})).rejects.toThrow();
    expect(await metricValue(gw, 'storegate_broker_auth_failures_total', { reason: 'bad_secret' })).toBe(1);
    expect(await metricValue(gw, 'storegate_broker_auth_failures_total', { reason: 'unknown_device' })).toBe(1);
    expect(await metricValue(gw, 'storegate_broker_auth_failures_total', { reason: 'revoked' })).toBe(1);
    expect(await metricValue(gw, 'storegate_broker_auth_failures_total', { reason: 'anonymous' })).toBe(1);
    const res = await gw.http.inject({ url: '/metrics' });
    expect(res.body).toMatch(/storegate_broker_auth_failures_total\{reason="bad_secret"\} 1/);
  });

  it("refuses a publish to another device's topic: disconnected, counted, nothing persisted", async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    await addDevice(gw, 'lk-02', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    client.publish(deviceTopic(gw, 'locker', 'lk-02', 'status'), JSON.stringify({ online: true }), { qos: 1 });
    await closed;
    expect(await countEvents(gw, 'lk-02')).toBe(0);
    expect(await metricValue(gw, 'storegate_broker_acl_denied_total', { action: 'publish' })).toBe(1);
  });

  it('refuses a device publishing to a cmd topic or under another kind', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    for (const topic of [deviceTopic(gw, 'locker', 'lk-01', 'cmd'), deviceTopic(gw, 'mirror', 'lk-01', 'status'), 'other/topic']) {
      const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
      const closed = new Promise<void>((r) => client.once('close', () => r()));
      client.publish(topic, JSON.stringify({ online: true }), { qos: 1 });
      await closed;
    }
    expect(await countEvents(gw, 'lk-01')).toBe(0);
    expect(await metricValue(gw, 'storegate_broker_acl_denied_total', { action: 'publish' })).toBe(3);
  });

  it('lets a device subscribe to its own cmd topic only: # is refused and counted', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    const granted = (topic: string) =>
      new Promise<number>((resolve) =>
        // mqtt.js reports a SUBACK of 0x80 (refused) as an error carrying the packet
        client.subscribe(topic, { qos: 1 }, (err, g) =>
          resolve(err ? ((err as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1) : (g?.[0]?.qos ?? -1)),
        ),
      );
    expect(await granted('#')).toBe(128);
    expect(await granted(deviceTopic(gw, 'locker', 'lk-02', 'cmd'))).toBe(128);
    expect(await granted(deviceTopic(gw, 'locker', 'lk-01', 'cmd'))).toBe(1);
    expect(await metricValue(gw, 'storegate_broker_acl_denied_total', { action: 'subscribe' })).toBe(2);
  });

  it('disconnects a connected device when it is revoked (as the CLI does, through the database)', async () => {
    const gw = await startGateway();
    const secret = await addDevice(gw, 'sc-1', 'ble-scanner');
    const client = await connectMqtt(gw.ports.mqtt, { username: 'sc-1', password: secret });
    const closed = new Promise<void>((r) => client.once('close', () => r()));
    await gw.db.run('UPDATE devices SET enabled = 0 WHERE id = ?', ['sc-1']);
    await closed;
    await until(() => !gw.link.connectedDeviceIds().includes('sc-1'), 5000, 'disconnect');
  });

  it('lets the service account subscribe to everything and see device traffic', async () => {
    const gw = await startGateway({ overrides: { 'service.password': 'svc-pass-123' } });
    const secret = await addDevice(gw, 'lk-01', 'locker');
    const svc = await connectMqtt(gw.ports.mqtt, { username: 'storegate-service', password: 'svc-pass-123' });
    await new Promise((r) => svc.subscribe('storegate/#', { qos: 1 }, r));
    const got = new Promise<string>((r) => svc.on('message', (t) => r(t)));
    const dev = await connectMqtt(gw.ports.mqtt, { username: 'lk-01', password: secret });
    await publish(dev, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }));
    expect(await got).toBe(deviceTopic(gw, 'locker', 'lk-01', 'status'));
    await expect(connectMqtt(gw.ports.mqtt, { username: 'storegate-service', password: 'nope' })).rejects.toThrow();
  });
});
