import { describe, expect, it, onTestFinished } from 'vitest';
import { connectMqtt, deviceTopic, nextEvent, publish, startGateway, tempDir, until } from '../../helpers/gateway.ts';
import { hasMosquitto, startMosquittoDynsec } from '../../helpers/mosquitto.ts';

const SERVICE = { username: 'storegate-service', password: 'svc-pass-0123456789' };
const LK_SECRET = 'lk-01-secret-from-config-0123456789';
const SC_SECRET = 'sc-1-secret-from-config-0123456789';
const REFUSED = /Not authorized|Bad user ?name/i;

/** One store: a mosquitto with dynamic security and a data dir; the gateway is started on it with a given device list. */
async function store() {
  const mosq = await startMosquittoDynsec(tempDir('storegate-mosquitto-'), SERVICE);
  const dataDir = tempDir();
  const external = { url: mosq.url, clientId: 'storegate-store-1', dynamicSecurity: true, clientEvents: 'mosquitto-log' };
  let current: Awaited<ReturnType<typeof startGateway>> | undefined;
  onTestFinished(() => current?.stopGateway());
  return {
    mosq,
    async start(devices: unknown[]) {
      await current?.stopGateway();
      current = await startGateway({
        dataDir,
        broker: 'embedded',
        keep: true,
        overrides: { 'mqtt.mode': 'external', 'mqtt.external': external, 'service.password': SERVICE.password, devices },
      });
      return current;
    },
  };
}

const login = (port: number, username: string, password: string, clientId = `${username}-${Math.random().toString(36).slice(2, 6)}`) =>
  connectMqtt(port, { clientId, username, password, reconnectPeriod: 0 });

describe.skipIf(!hasMosquitto)('devices declared in config, on mosquitto with dynamic security', () => {
  it('are provisioned at start with their own topics, and a restart with the same config leaves them connected', async () => {
    const s = await store();
    const devices = [
      { id: 'lk-01', kind: 'locker', zone: 'pickup-point', secret: LK_SECRET },
      { id: 'sc-1', kind: 'ble-scanner', secret: SC_SECRET },
    ];
    let gw = await s.start(devices);
    const lk = await login(s.mosq.port, 'lk-01', LK_SECRET);
    // exactly its own topics: its cmd yes, another device's cmd no (SUBACK 0x80)
    expect((await lk.subscribeAsync(deviceTopic(gw, 'locker', 'lk-01', 'cmd'), { qos: 1 }))[0]?.qos).toBe(1);
    await expect(lk.subscribeAsync(deviceTopic(gw, 'ble-scanner', 'sc-1', 'cmd'), { qos: 1 })).rejects.toThrow(/Subscribe error/);
    const status = nextEvent(gw, 'device.status', (e) => (e.data as { deviceId: string }).deviceId === 'lk-01');
    await publish(lk, deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }));
    await status;
    // the scanner's OpenMQTTGateway tree is in its role too
    const sc = await login(s.mosq.port, 'sc-1', SC_SECRET);
    expect((await sc.subscribeAsync(deviceTopic(gw, 'ble-scanner', 'sc-1', 'cmd'), { qos: 1 }))[0]?.qos).toBe(1);

    // idempotent: mosquitto disconnects a client whose password or roles change, so a restart must change nothing
    let kicked = false;
    lk.once('close', () => {
      kicked = true;
    });
    gw = await s.start(devices);
    // still the same connection: a QoS 1 round trip through the broker on it
    await lk.publishAsync(deviceTopic(gw, 'locker', 'lk-01', 'status'), JSON.stringify({ online: true }), { qos: 1 });
    expect(kicked).toBe(false);
    expect(gw.logs.lines.some((l) => l.includes('config device provisioned on the broker'))).toBe(false);
  });

  it('revokes a device removed from the config on the broker, and gives a changed secret to the broker', async () => {
    const s = await store();
    const first = await s.start([
      { id: 'lk-01', kind: 'locker', secret: LK_SECRET },
      { id: 'sc-1', kind: 'ble-scanner', secret: SC_SECRET },
    ]);
    const cliAdded = (await first.devices.add({ id: 'mirror-1', kind: 'mirror' })).secret;
    const sc = await login(s.mosq.port, 'sc-1', SC_SECRET);
    const scClosed = new Promise<void>((r) => sc.once('close', () => r()));

    const gw = await s.start([{ id: 'lk-01', kind: 'locker', secret: `${LK_SECRET}-rotated` }]);
    await scClosed;
    await expect(login(s.mosq.port, 'sc-1', SC_SECRET)).rejects.toThrow(REFUSED);
    expect((await gw.registry.get('sc-1'))?.enabled).toBe(false);
    await expect(login(s.mosq.port, 'lk-01', LK_SECRET)).rejects.toThrow(REFUSED);
    await login(s.mosq.port, 'lk-01', `${LK_SECRET}-rotated`);
    // a device added with the CLI or the API is not the config's: it stays
    await login(s.mosq.port, 'mirror-1', cliAdded);
    expect((await gw.registry.get('mirror-1'))?.enabled).toBe(true);
  });
});

describe('devices declared in config, on the embedded broker', () => {
  it('on the embedded broker too: a device removed from the config is revoked and cannot log in', async () => {
    const dataDir = tempDir();
    const start = (devices: unknown[]) => startGateway({ dataDir, broker: 'embedded', keep: true, overrides: { devices } });
    const first = await start([{ id: 'sc-1', kind: 'ble-scanner', secret: SC_SECRET }]);
    await login(first.ports.mqtt, 'sc-1', SC_SECRET).then((c) => c.endAsync());
    await first.stopGateway();
    const gw = await start([]);
    onTestFinished(() => gw.stopGateway());
    await expect(login(gw.ports.mqtt, 'sc-1', SC_SECRET)).rejects.toThrow(REFUSED);
    await until(async () => (await gw.registry.get('sc-1'))?.enabled === false, 1000, 'sc-1 revoked');
  });
});
