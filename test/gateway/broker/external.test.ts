import { describe, expect, it } from 'vitest';
import { connectMqtt, deviceTopic, metricValue, publish, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startMosquitto } from '../../helpers/mosquitto.ts';

describe.skipIf(!hasMosquitto)('external broker mode (real mosquitto)', () => {
  it('ingests device events from mosquitto with the same code as embedded mode, and answers on cmd', async () => {
    const dir = tempDir();
    const mosq = await startMosquitto(dir);
    const gw = await startGateway({ overrides: { 'mqtt.mode': 'external', 'mqtt.external': { url: mosq.url, clientId: `sg-test-${Date.now()}` } } });
    await gw.registry.add({ id: 'lk-01', kind: 'locker' });

    // in external mode mosquitto authenticates devices; the gateway checks the registry
    const device = await connectMqtt(mosq.port, { clientId: 'lk-01' });
    await new Promise((r) => device.subscribe(deviceTopic(gw, 'locker', 'lk-01', 'cmd'), { qos: 1 }, r));
    const heard: unknown[] = [];
    device.on('message', (_t, p) => heard.push(JSON.parse(p.toString())));
    await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, firmware: '2.0.0' }));
    await until(
      async () => (await gw.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM device_events WHERE device_id = ?', ['lk-01']))?.n === 1,
      5000,
      'event persisted',
    );

    // unknown devices and garbage are rejected and counted the same way
    await publish(device, deviceTopic(gw, 'locker', 'ghost-9', 'status'), JSON.stringify({ online: true }));
    await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), 'not json');
    await until(async () => (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'not_json' })) === 1, 5000, 'not_json counted');
    expect(await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'unknown_device' })).toBe(1);

    // as on the embedded broker, the device hears why its message was rejected (not for topics it does not own)
    await until(() => heard.length === 1, 5000, 'rejection notice');
    expect(heard[0]).toMatchObject({ type: 'rejected', reason: 'not_json' });
    gw.link.send('locker', 'lk-01', { type: 'open', compartment: 'A1' });
    await until(() => heard.length === 2, 5000, 'command');
    expect(heard[1]).toEqual({ type: 'open', compartment: 'A1' });
    const ready = await gw.http.inject({ url: '/readyz' });
    expect(ready.json()).toMatchObject({ ready: true, checks: { broker: true } });
  });
});
