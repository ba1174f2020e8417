import { gatewaySource } from '../../../devices/topics.ts';
import { onConfigPatched } from '../../config/live.ts';
import type { Config } from '../../config/schema.ts';
import type { GatewayService, ServiceDeps } from '../../service.ts';
import { createZoneOccupancy } from '../../zone-occupancy.ts';

const REFRESH_MS = 60_000;
const ZONES_THROTTLE_MS = 1000;

/**
 * Home Assistant MQTT discovery, on the gateway's own broker: retained discovery configs so Home Assistant finds
 * every registered device (its connectivity) and the store's zones (shoppers in each), and the state topics they
 * read, all under `storegate/<store>/gateway/homeassistant/`. Home Assistant logs in read-only (see acl.ts): it
 * sees these topics and nothing of the devices' own traffic (no camera frames, no keypad codes).
 */
export function createHomeAssistantService(deps: ServiceDeps, config: Config['homeAssistant'], startZones: string[]): GatewayService {
  const { bus, link, registry, storeId } = deps;
  const log = deps.log.child({ module: 'homeassistant' });
  const base = gatewaySource(storeId, 'homeassistant');
  const availability = `${base}/availability`;
  const gatewayDevice = { identifiers: [`storegate_${storeId}_gateway`], name: `storegate ${storeId}`, manufacturer: 'storegate', model: 'edge gateway' };
  const published = new Set<string>();
  const occupancy = createZoneOccupancy();
  const timers: Array<{ cancel(): void }> = [];
  let zonesTimer: { cancel(): void } | undefined;
  /** the store's zones: from the config at start, then from signed config patches (`presence.zones`) */
  let zones = startZones;

  const retain = (topic: string, payload: unknown) => link.publishRetained(topic, typeof payload === 'string' ? payload : JSON.stringify(payload));
  const objectId = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');
  const configTopic = (component: string, id: string) => `${config.discoveryPrefix}/${component}/storegate_${objectId(storeId)}/${objectId(id)}/config`;
  const deviceState = (id: string) => `${base}/devices/${objectId(id)}`;

  async function announceDevices() {
    const devices = (await registry.list()).filter((d) => d.enabled);
    const seen = new Set<string>();
    const connected = new Set(link.connectedDeviceIds());
    for (const d of devices) {
      const topic = configTopic('binary_sensor', d.id);
      seen.add(topic);
      if (published.has(topic)) continue;
      retain(topic, {
        name: 'Connected',
        unique_id: `storegate_${storeId}_${d.id}_connectivity`,
        device_class: 'connectivity',
        state_topic: deviceState(d.id),
        availability_topic: availability,
        device: {
          identifiers: [`storegate_${storeId}_${d.id}`],
          name: d.id,
          model: d.kind,
          via_device: gatewayDevice.identifiers[0],
          ...(d.zone ? { suggested_area: d.zone } : {}),
        },
      });
      retain(deviceState(d.id), connected.has(d.id) ? 'ON' : 'OFF');
      published.add(topic);
    }
    // revoked or removed since: Home Assistant forgets an entity when its config is cleared
    for (const topic of [...published]) {
      if (seen.has(topic) || !topic.includes('/binary_sensor/')) continue;
      retain(topic, '');
      published.delete(topic);
    }
  }

  function announceZones() {
    // a zone a config patch removed: Home Assistant forgets its sensor when the config is cleared
    const now = new Set(zones.map((z) => configTopic('sensor', `zone_${z}`)));
    for (const topic of [...published]) {
      if (!topic.includes('/sensor/') || now.has(topic)) continue;
      retain(topic, '');
      published.delete(topic);
    }
    for (const zone of zones) {
      const topic = configTopic('sensor', `zone_${zone}`);
      retain(topic, {
        name: `Shoppers in ${zone}`,
        unique_id: `storegate_${storeId}_zone_${objectId(zone)}`,
        state_topic: `${base}/zones`,
        value_template: `{{ value_json['${zone.replace(/'/g, '')}'] | default(0) }}`,
        unit_of_measurement: 'shoppers',
        state_class: 'measurement',
        availability_topic: availability,
        device: gatewayDevice,
      });
      published.add(topic);
    }
  }

  const publishZones = () => {
    zonesTimer = undefined;
    retain(`${base}/zones`, { ...Object.fromEntries(zones.map((z) => [z, 0])), ...occupancy.counts() });
  };
  const zonesChanged = () => {
    zonesTimer ??= deps.clock.setTimeout(publishZones, ZONES_THROTTLE_MS);
  };

  return {
    name: 'homeassistant',
    async start() {
      if (!config.enabled) return;
      bus.on('homeassistant', 'device.connected', (e) => retain(deviceState(e.data.deviceId), 'ON'));
      bus.on('homeassistant', 'device.disconnected', (e) => retain(deviceState(e.data.deviceId), 'OFF'));
      occupancy.follow(bus, 'homeassistant', zonesChanged);
      onConfigPatched<Array<{ name: string }>>(bus, 'homeassistant', 'presence.zones', (next) => {
        zones = next.map((z) => z.name);
        announceZones();
        publishZones();
      });
      if (deps.link.isReady() && !config.password)
        log.warn({ username: config.username }, 'homeAssistant.password is not set: Home Assistant cannot log in to the embedded broker');
      retain(availability, 'online');
      announceZones();
      publishZones();
      await announceDevices();
      timers.push(deps.clock.setInterval(() => void announceDevices().catch((err) => log.warn({ err }, 'discovery refresh failed')), REFRESH_MS));
      log.info({ prefix: config.discoveryPrefix, entities: published.size }, 'home assistant discovery published');
    },
    async stop() {
      if (!config.enabled) return;
      bus.off('homeassistant');
      for (const t of timers) t.cancel();
      zonesTimer?.cancel();
      retain(availability, 'offline');
    },
  };
}
