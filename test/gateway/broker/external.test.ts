import { describe, expect, it } from 'vitest';
import { connectMqtt, deviceTopic, metricValue, publish, startGateway, type TestGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startShippedMosquitto } from '../../helpers/mosquitto.ts';

const SERVICE = { username: 'storegate-service', password: 'svc-pass-0123456789' };
const DEVICES = { 'lk-01': 'lk-01-secret-0123456789', 'lk-02': 'lk-02-secret-0123456789' };
const CLIENT_ID = 'storegate-store-1';

/** The gateway in external mode on the shipped mosquitto (dynamic security), as deploy/config/external-mosquitto.yaml sets it up. */
async function gatewayOn(url: string, dataDir: string) {
  return startGateway({
    dataDir,
    broker: 'embedded',
    keep: true,
    overrides: { 'mqtt.mode': 'external', 'mqtt.external': { url, clientId: CLIENT_ID, dynamicSecurity: true }, 'service.password': SERVICE.password },
  });
}
const eventsOf = async (gw: TestGateway, deviceId: string) =>
  (await gw.db.all<{ data: string }>('SELECT data FROM device_events WHERE device_id = ? ORDER BY seq', [deviceId])).map(
    (r) => JSON.parse(r.data) as Record<string, unknown>,
  );

describe.skipIf(!hasMosquitto)('external broker mode (real mosquitto with the shipped mosquitto.conf: dynamic security)', () => {
  it('ingests device events from mosquitto with the same code as embedded mode, and answers on cmd', async () => {
    const mosq = await startShippedMosquitto(tempDir('storegate-mosquitto-'), SERVICE);
    const gw = await gatewayOn(mosq.url, tempDir());
    try {
      await gw.devices.add({ id: 'lk-01', kind: 'locker', secret: DEVICES['lk-01'] });

      // in external mode mosquitto authenticates devices; the gateway checks the registry
      const device = await connectMqtt(mosq.port, { clientId: 'lk-01', username: 'lk-01', password: DEVICES['lk-01'] });
      await new Promise((r) => device.subscribe(deviceTopic(gw, 'locker', 'lk-01', 'cmd'), { qos: 1 }, r));
      const heard: unknown[] = [];
      device.on('message', (_t, p) => heard.push(JSON.parse(p.toString())));
      await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, firmware: '2.0.0' }));
      await until(async () => (await eventsOf(gw, 'lk-01')).length === 1, 5000, 'event persisted');

      // garbage is rejected and counted the same way, and the device hears why
      await publish(device, deviceTopic(gw, 'locker', 'lk-01', 'status'), 'not json');
      await until(async () => (await metricValue(gw, 'storegate_ingest_rejected_total', { reason: 'not_json' })) === 1, 5000, 'not_json counted');
      await until(() => heard.length === 1, 5000, 'rejection notice');
      expect(heard[0]).toMatchObject({ type: 'rejected', reason: 'not_json' });
      gw.link.send('locker', 'lk-01', { type: 'open', compartment: 'A1' });
      await until(() => heard.length === 2, 5000, 'command');
      expect(heard[1]).toEqual({ type: 'open', compartment: 'A1' });
      const ready = await gw.http.inject({ url: '/readyz' });
      expect(ready.json()).toMatchObject({ ready: true, checks: { broker: true } });
    } finally {
      await gw.stopGateway();
    }
  });

  it('enforces the shipped dynamic security: no anonymous or wrong-password login, a device publishes only as itself and hears only its own cmd', async () => {
    const mosq = await startShippedMosquitto(tempDir('storegate-mosquitto-'), SERVICE);
    const gw = await gatewayOn(mosq.url, tempDir());
    try {
      // provisioned on mosquitto by the gateway (dynamic security: a client and a role with exactly its own topics)
      for (const [id, secret] of Object.entries(DEVICES)) await gw.devices.add({ id, kind: 'locker', secret });
      await expect(connectMqtt(mosq.port, { clientId: 'anon' })).rejects.toThrow(/Not authorized/);
      await expect(connectMqtt(mosq.port, { clientId: 'lk-01', username: 'lk-01', password: 'wrong-password-000' })).rejects.toThrow(/Not authorized/);

      const lk1 = await connectMqtt(mosq.port, { clientId: 'lk-01', username: 'lk-01', password: DEVICES['lk-01'] });
      const lk2 = await connectMqtt(mosq.port, { clientId: 'lk-02', username: 'lk-02', password: DEVICES['lk-02'] });
      const heard: Record<string, string[]> = { 'lk-01': [], 'lk-02': [] };
      for (const [id, c] of [
        ['lk-01', lk1],
        ['lk-02', lk2],
      ] as const) {
        c.on('message', (t) => heard[id]?.push(t));
      }
      // lk-01 tries to listen on lk-02's commands too: mosquitto grants the SUBACK but never delivers (conformance: refused-subscribe)
      await new Promise((r) => lk1.subscribe([deviceTopic(gw, 'locker', 'lk-01', 'cmd'), deviceTopic(gw, 'locker', 'lk-02', 'cmd')], { qos: 1 }, r));
      await new Promise((r) => lk2.subscribe(deviceTopic(gw, 'locker', 'lk-02', 'cmd'), { qos: 1 }, r));

      // lk-01 publishes as lk-02 (dropped: its role has only its own topics), then as itself: once its own event is in, the forged one would be too
      await publish(lk1, deviceTopic(gw, 'locker', 'lk-02', 'event'), JSON.stringify({ type: 'door', compartment: 'A1', state: 'open' }));
      await publish(lk1, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true, firmware: '2.0.0' }));
      await until(async () => (await eventsOf(gw, 'lk-01')).length === 1, 5000, 'lk-01 event persisted');
      expect(await eventsOf(gw, 'lk-02')).toEqual([]);

      gw.link.send('locker', 'lk-02', { type: 'open', compartment: 'B1' });
      gw.link.send('locker', 'lk-01', { type: 'open', compartment: 'A1' });
      await until(() => heard['lk-01']?.length === 1 && heard['lk-02']?.length === 1, 5000, 'each command at its own controller');
      expect(heard['lk-01']).toEqual([deviceTopic(gw, 'locker', 'lk-01', 'cmd')]);
      expect(heard['lk-02']).toEqual([deviceTopic(gw, 'locker', 'lk-02', 'cmd')]);
    } finally {
      await gw.stopGateway();
    }
  });

  it('delivers the QoS 1 events a device published while the gateway was down once it is back (persistent session)', async () => {
    const mosq = await startShippedMosquitto(tempDir('storegate-mosquitto-'), SERVICE);
    const dataDir = tempDir();
    const first = await gatewayOn(mosq.url, dataDir);
    await first.devices.add({ id: 'lk-01', kind: 'locker', secret: DEVICES['lk-01'] });
    const device = await connectMqtt(mosq.port, { clientId: 'lk-01', username: 'lk-01', password: DEVICES['lk-01'] });
    const topic = deviceTopic(first, 'locker', 'lk-01', 'status');
    await publish(device, topic, JSON.stringify({ online: true, firmware: '2.0.0' }));
    await until(async () => (await eventsOf(first, 'lk-01')).length === 1, 5000, 'event persisted');
    await first.stopGateway();

    // the gateway is down: mosquitto PUBACKs the device and keeps the events for the gateway's session
    for (const fw of ['2.0.1', '2.0.2', '2.0.3']) await publish(device, topic, JSON.stringify({ online: true, firmware: fw }));

    const again = await gatewayOn(mosq.url, dataDir);
    try {
      await until(async () => (await eventsOf(again, 'lk-01')).length === 4, 10_000, 'the queued events delivered');
      expect((await eventsOf(again, 'lk-01')).map((e) => e.firmware)).toEqual(['2.0.0', '2.0.1', '2.0.2', '2.0.3']);
    } finally {
      await again.stopGateway();
    }
  });
});
