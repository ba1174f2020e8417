import mqtt from 'mqtt';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, addDevice, STAFF_TOKEN, deviceTopic, publish, startGateway, TEST_BROKER, until } from '../helpers/gateway.ts';

const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };

describe('HTTP core and device API', () => {
  it('answers /healthz, /readyz with each check, and /metrics in Prometheus format', async () => {
    const gw = await startGateway();
    expect((await gw.http.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const ready = await gw.http.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toMatchObject({ broker: true, store: true, recognition: true });
    const metrics = await gw.http.inject({ url: '/metrics' });
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.body).toMatch(/process_cpu_user_seconds_total/);
    expect(metrics.body).toMatch(/storegate_store_events_persisted_total/);
  });

  it('serves OpenAPI docs generated from the route schemas', async () => {
    const gw = await startGateway();
    const doc = (await gw.http.inject({ url: '/docs/json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/devices', '/readyz']));
  });

  it('refuses device routes without the admin token (401) and with the staff token (403)', async () => {
    const gw = await startGateway();
    expect((await gw.http.inject({ url: '/api/v1/devices' })).statusCode).toBe(401);
    expect((await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: 'Bearer wrong' } })).statusCode).toBe(401);
    expect((await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).statusCode).toBe(403);
    expect(gw.logs.lines.join('\n')).not.toContain(ADMIN_TOKEN);
  });

  it('adds a device with a secret shown once, lists it with last seen and connection, and revokes it', async () => {
    const gw = await startGateway();
    const created = await gw.http.inject({ method: 'POST', url: '/api/v1/devices', headers: auth, payload: { id: 'm-1', kind: 'mirror', zone: 'fitting-1' } });
    expect(created.statusCode).toBe(201);
    const { secret } = created.json() as { secret: string };
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect((await gw.http.inject({ method: 'POST', url: '/api/v1/devices', headers: auth, payload: { id: 'm-1', kind: 'mirror' } })).statusCode).toBe(409);
    expect((await gw.http.inject({ method: 'POST', url: '/api/v1/devices', headers: auth, payload: { id: 'bad id', kind: 'mirror' } })).statusCode).toBe(400);

    const client = mqtt.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { username: 'm-1', password: secret, reconnectPeriod: 0 });
    await new Promise((r) => client.once('connect', r));
    await publish(client, deviceTopic(gw, 'mirror', 'm-1', 'status'), JSON.stringify({ online: true }));
    const list = (await gw.http.inject({ url: '/api/v1/devices', headers: auth })).json().devices as Array<Record<string, unknown>>;
    const m1 = list.find((d) => d.id === 'm-1');
    expect(m1).toMatchObject({ kind: 'mirror', zone: 'fitting-1', enabled: true, connected: true });
    expect(m1?.lastSeenAt).toEqual(expect.any(String));
    expect(JSON.stringify(list)).not.toContain(secret);

    const closed = new Promise<void>((r) => client.once('close', () => r()));
    expect((await gw.http.inject({ method: 'DELETE', url: '/api/v1/devices/m-1', headers: auth })).json()).toEqual({
      revoked: true,
      broker: { provisioned: true },
    });
    await closed;
    expect((await gw.http.inject({ method: 'DELETE', url: '/api/v1/devices/nobody', headers: auth })).statusCode).toBe(404);
  });

  // the embedded broker's own WebSocket listener (an external broker has its own)
  it.skipIf(TEST_BROKER === 'mosquitto')('accepts a device over MQTT-over-WebSocket with the same authentication', async () => {
    const gw = await startGateway();
    const { secret } = await gw.registry.add({ id: 'm-2', kind: 'mirror' });
    const ok = mqtt.connect(`ws://127.0.0.1:${gw.ports.ws}`, { username: 'm-2', password: secret, reconnectPeriod: 0 });
    await new Promise((r, j) => {
      ok.once('connect', r);
      ok.once('error', j);
    });
    await ok.publishAsync(deviceTopic(gw, 'mirror', 'm-2', 'status'), JSON.stringify({ online: true }), { qos: 1 });
    expect((await gw.db.get<{ n: number }>("SELECT COUNT(*) AS n FROM device_events WHERE device_id = 'm-2'"))?.n).toBe(1);
    ok.end(true);
    const bad = mqtt.connect(`ws://127.0.0.1:${gw.ports.ws}`, { username: 'm-2', password: 'nope', reconnectPeriod: 0 });
    await expect(
      new Promise((r, j) => {
        bad.once('connect', r);
        bad.once('error', j);
      }),
    ).rejects.toThrow();
    bad.end(true);
  });
});

describe('token brute force', () => {
  it('answers 429 to an address after 20 wrong tokens in a minute, even with the right token', async () => {
    const gw = await startGateway();
    for (let i = 0; i < 20; i++) {
      expect((await gw.http.inject({ url: '/api/v1/devices', headers: { authorization: `Bearer guess-${i}` } })).statusCode).toBe(401);
    }
    const limited = await gw.http.inject({ url: '/api/v1/devices', headers: auth });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error).toBe('SG_LIMITED');
    // other addresses are not affected
    expect((await gw.http.inject({ url: '/api/v1/devices', headers: auth, remoteAddress: '10.0.0.9' })).statusCode).toBe(200);
  });
});

describe('device self-test', () => {
  it('round-trips a self-test through a simulated device, and says so when the device is offline or silent', async () => {
    const { connectDevice } = await import('../../simulators/device-client.ts');
    const gw = await startGateway();
    const secret = await addDevice(gw, 'm-1', 'mirror');
    const sim = await connectDevice(
      { storeId: gw.config.storeId, kind: 'mirror', id: 'm-1', secret },
      { url: `mqtt://127.0.0.1:${gw.ports.mqtt}`, firmware: 'sim-mirror-9' },
    );
    // on an external broker the gateway learns of the connection a moment later
    await until(() => gw.link.connectedDeviceIds().includes('m-1'), 5000, 'm-1 connected');
    const ok = await gw.http.inject({ method: 'POST', url: '/api/v1/devices/m-1/selftest', headers: auth });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ ok: true, result: { ok: true, firmware: 'sim-mirror-9' } });
    await sim.close();
    await until(() => !gw.link.connectedDeviceIds().includes('m-1'), 5000, 'disconnect');
    expect((await gw.http.inject({ method: 'POST', url: '/api/v1/devices/m-1/selftest', headers: auth })).statusCode).toBe(409);

    // a device that never answers: a plain MQTT client with the right credentials
    const silent = mqtt.connect(`mqtt://127.0.0.1:${gw.ports.mqtt}`, { username: 'm-1', password: secret, reconnectPeriod: 0 });
    await new Promise((r) => silent.once('connect', r));
    await until(() => gw.link.connectedDeviceIds().includes('m-1'), 5000, 'm-1 connected again');
    const timedOut = await gw.http.inject({ method: 'POST', url: '/api/v1/devices/m-1/selftest', headers: auth });
    expect(timedOut.statusCode).toBe(503);
    silent.end(true);
  });
});
