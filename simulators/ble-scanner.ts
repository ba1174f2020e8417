import { connectDevice, type DeviceClient } from './device-client.ts';
import type { Emitter } from './emitters.ts';
import { distance, type Point, type RadioModel, rssiAt, STORE_RADIO } from './radio.ts';
import type { Rng } from './rng.ts';

export type ScannerFormat = 'raw' | 'omg';

export interface BleScannerOptions {
  url: string;
  storeId: string;
  id: string;
  secret: string;
  at: Point;
  /** storegate's raw batch format on `…/ble-scanner/<id>/adv`, or OpenMQTTGateway JSON on `home/<id>/BTtoMQTT/<mac>` */
  format?: ScannerFormat;
  /** everything that may be advertising; asked at every interval */
  emitters: () => Emitter[];
  rng: Rng;
  radio?: RadioModel;
  /** store time in ms (compressed in scenarios, real in the demo) */
  now?: () => number;
  /** real ms between publishes; 0 = only when `tick()` is called */
  intervalMs?: number;
  heartbeatSeconds?: number;
}

/**
 * A remote BLE scanner (an ESP32 with OpenMQTTGateway, or a storegate scanner) as an MQTT client with its own
 * credentials. Each interval it "hears" every emitter through the radio model and publishes what it heard.
 * `stall()` keeps the connection up but stops the radio: the field failure where a scanner's BLE stack hangs.
 */
export async function startBleScanner(o: BleScannerOptions) {
  const now = o.now ?? Date.now;
  const radio = o.radio ?? STORE_RADIO;
  const format = o.format ?? 'raw';
  const dev: DeviceClient = await connectDevice(
    { storeId: o.storeId, kind: 'ble-scanner', id: o.id, secret: o.secret },
    { url: o.url, heartbeatSeconds: o.heartbeatSeconds ?? 30, firmware: format === 'omg' ? 'OMG-sim 1.8.0' : 'sg-scanner-sim 1.0.0' },
  );
  let stalled = false;
  let seq = 0;
  const stats = { messages: 0, advertisements: 0, missed: 0 };

  function hear(at: number) {
    const heard: Array<{ rssi: number; address: string; manufacturerData?: string; serviceData?: Array<{ uuid: string; data: string }> }> = [];
    for (const e of o.emitters()) {
      const pos = e.position(at);
      const payloads = e.advs(at);
      if (!pos) continue;
      const d = distance(pos, o.at);
      for (const p of payloads) {
        const rssi = rssiAt(e.txAt1m, d, o.rng, radio);
        if (rssi === null) stats.missed++;
        else heard.push({ rssi, address: e.address, ...p });
      }
    }
    return heard;
  }

  async function tick() {
    if (stalled || !dev.client.connected) return;
    const heard = hear(now());
    if (heard.length === 0) return;
    stats.advertisements += heard.length;
    if (format === 'raw') {
      stats.messages++;
      await dev.publish('adv', { msgId: `${o.id}-${++seq}`, advs: heard }, 0);
      return;
    }
    for (const a of heard) {
      const mac = a.address.replaceAll(':', '').toUpperCase();
      const body: Record<string, unknown> = { id: a.address, rssi: a.rssi };
      if (a.manufacturerData) body.manufacturerdata = a.manufacturerData;
      const sd = a.serviceData?.[0];
      if (sd) Object.assign(body, { servicedata: sd.data, servicedatauuid: `0x${sd.uuid}` });
      stats.messages++;
      await dev.client.publishAsync(`home/${o.id}/BTtoMQTT/${mac}`, JSON.stringify(body), { qos: 0 });
    }
  }

  const timer = o.intervalMs ? setInterval(() => void tick().catch(() => {}), o.intervalMs) : null;
  return {
    id: o.id,
    stats,
    tick,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
    },
    stalled: () => stalled,
    async close() {
      if (timer) clearInterval(timer);
      await dev.close();
    },
  };
}
export type BleScannerSim = Awaited<ReturnType<typeof startBleScanner>>;
