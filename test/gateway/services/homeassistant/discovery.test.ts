import type { MqttClient } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { connectMqtt, metricValue, startGateway, until } from '../../../helpers/gateway.ts';

const HA = { username: 'homeassistant', password: 'ha-password-0123456789' };
const SCANNER = { id: 'sc-1', kind: 'ble-scanner', zone: 'entrance', secret: 'scanner-secret-0123456789' };

async function haGateway() {
  return startGateway({
    overrides: {
      homeAssistant: { enabled: true, password: HA.password },
      'service.password': 'service-password-0123456789',
      devices: [SCANNER],
      presence: {
        zones: [
          { name: 'entrance', role: 'entrance', scanners: ['sc-1'] },
          { name: 'fitting-rooms', role: 'fitting-room', scanners: ['sc-2'] },
        ],
      },
    },
  });
}

/** Every message on the topics Home Assistant subscribes to, retained ones included, latest per topic. */
async function homeAssistant(port: number) {
  const ha = await connectMqtt(port, HA);
  const seen = new Map<string, string>();
  ha.on('message', (topic, payload) => seen.set(topic, payload.toString()));
  // mqtt.js rejects a SUBACK that refuses (granted 128): give back what the broker granted either way
  const subscribe = (topic: string) =>
    ha.subscribeAsync(topic, { qos: 1 }).then(
      (g) => g.map((x) => x.qos),
      (err: { packet?: { granted?: number[] } }) => err.packet?.granted ?? ['error'],
    );
  return { ha, seen, subscribe };
}

describe('Home Assistant MQTT discovery', () => {
  it('announces each registered device and the zones with retained configs; states follow connections and shoppers', async () => {
    const gw = await haGateway();
    const { seen, subscribe } = await homeAssistant(gw.ports.mqtt);
    expect(await subscribe('homeassistant/#')).toEqual([1]);
    const cfgTopic = 'homeassistant/binary_sensor/storegate_store-1/sc-1/config';
    const cfg = JSON.parse((await until(() => seen.get(cfgTopic), 5000, 'the scanner config')) as string) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      device_class: 'connectivity',
      unique_id: 'storegate_store-1_sc-1_connectivity',
      state_topic: 'storegate/store-1/gateway/homeassistant/devices/sc-1',
      availability_topic: 'storegate/store-1/gateway/homeassistant/availability',
      device: { identifiers: ['storegate_store-1_sc-1'], model: 'ble-scanner', suggested_area: 'entrance' },
    });
    const zoneCfg = JSON.parse(
      (await until(() => seen.get('homeassistant/sensor/storegate_store-1/zone_fitting-rooms/config'), 5000, 'a zone config')) as string,
    );
    expect(zoneCfg).toMatchObject({ state_topic: 'storegate/store-1/gateway/homeassistant/zones', unit_of_measurement: 'shoppers' });

    expect(await subscribe('storegate/store-1/gateway/homeassistant/#')).toEqual([1]);
    await until(() => seen.get('storegate/store-1/gateway/homeassistant/availability') === 'online', 5000, 'online');
    await until(() => seen.get('storegate/store-1/gateway/homeassistant/devices/sc-1') === 'OFF', 5000, 'scanner OFF');
    const scanner = await connectMqtt(gw.ports.mqtt, { username: SCANNER.id, password: SCANNER.secret });
    await until(() => seen.get('storegate/store-1/gateway/homeassistant/devices/sc-1') === 'ON', 5000, 'scanner ON');
    await new Promise<void>((r) => scanner.end(true, {}, () => r()));
    await until(() => seen.get('storegate/store-1/gateway/homeassistant/devices/sc-1') === 'OFF', 5000, 'scanner OFF again');

    gw.bus.emit(
      gw.bus.make('presence.entered', 'test', { shopperId: 'sh_1', zone: 'fitting-rooms', enteredAt: new Date().toISOString(), rssi: -60, distanceM: 1 }),
    );
    const zones = () => JSON.parse(seen.get('storegate/store-1/gateway/homeassistant/zones') ?? '{}') as Record<string, number>;
    await until(() => zones()['fitting-rooms'] === 1, 5000, 'one shopper in the fitting rooms');
    expect(zones().entrance).toBe(0);
  });

  it('lets Home Assistant read only its topics: no device traffic, no publishing as a device, no wrong password', async () => {
    const gw = await haGateway();
    const { ha, subscribe } = await homeAssistant(gw.ports.mqtt);
    // refused subscriptions come back as 128 in the SUBACK
    expect(await subscribe('#')).toEqual([128]);
    expect(await subscribe('storegate/store-1/#')).toEqual([128]);
    expect(await subscribe('storegate/store-1/mirror/m-1/frame')).toEqual([128]);
    // publishing as a device reaches nothing: the broker does not route it (a service subscriber on everything
    // hears nothing), no event on the bus, nothing stored
    const svc = await connectMqtt(gw.ports.mqtt, { username: 'storegate-service', password: 'service-password-0123456789' });
    const routed: string[] = [];
    svc.on('message', (t) => routed.push(t));
    await svc.subscribeAsync('storegate/store-1/ble-scanner/#', { qos: 1 });
    const heard: string[] = [];
    gw.bus.on('test', '*', (e) => void (e.source.includes('/sc-1') && heard.push(e.type)));
    const before = (await gw.db.all('SELECT id FROM device_events')).length;
    // (a refused QoS 1 publish gets no PUBACK: do not wait for one)
    const closed = new Promise<void>((r) => (ha as MqttClient).once('close', () => r()));
    void (ha as MqttClient).publishAsync('storegate/store-1/ble-scanner/sc-1/telemetry', JSON.stringify({ batteryMv: 3000 }), { qos: 1 }).catch(() => {});
    // the broker refuses it in authorizePublish (counted) and drops the connection: the publish is done with
    await until(async () => (await metricValue(gw, 'storegate_broker_acl_denied_total', { action: 'publish' })) === 1, 5000, 'the refused publish counted');
    await closed;
    expect(routed).toEqual([]);
    expect(heard).toEqual([]);
    expect((await gw.db.all('SELECT id FROM device_events')).length).toBe(before);
    await expect(connectMqtt(gw.ports.mqtt, { username: HA.username, password: 'wrong-password' })).rejects.toThrow(/not authori[sz]ed|bad user/i);
  });

  it('is off by default: no Home Assistant login, nothing announced', async () => {
    const gw = await startGateway({ overrides: { devices: [SCANNER], 'service.password': 'service-password-0123456789' } });
    await expect(connectMqtt(gw.ports.mqtt, HA)).rejects.toThrow(/not authori[sz]ed|bad user/i);
    const svc = await connectMqtt(gw.ports.mqtt, { username: 'storegate-service', password: 'service-password-0123456789' });
    const got: string[] = [];
    svc.on('message', (t) => got.push(t));
    await svc.subscribeAsync('homeassistant/#', { qos: 1 });
    // nothing was announced at start (discovery publishes before the gateway's start resolves) …
    expect(gw.logs.parsed().some((l) => l.msg === 'home assistant discovery published')).toBe(false);
    // … and nothing retained under the prefix: a probe published after the subscription is all that arrives
    await svc.publishAsync('homeassistant/probe', 'probe', { qos: 1 });
    await until(() => got.includes('homeassistant/probe'), 5000, 'the probe');
    expect(got).toEqual(['homeassistant/probe']);
  });
});
