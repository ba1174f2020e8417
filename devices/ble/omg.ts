import { normalizeUuid, parseHex } from './hex.ts';
import { checkRssi, type HeardAdvertisement } from './scanner-messages.ts';
import { type Decoded, fail, type IBeacon, ok } from './types.ts';

/** `home/<gateway>/BTtoMQTT/<mac>`: OpenMQTTGateway and Theengs Gateway publish one message per advertisement. */
export function parseOmgTopic(topic: string): { gateway: string; mac: string } | null {
  const p = topic.split('/');
  if (p.length !== 4 || p[0] !== 'home' || p[2] !== 'BTtoMQTT' || !p[1] || !p[3]) return null;
  return { gateway: p[1], mac: p[3] };
}

/**
 * What an OMG/Theengs message carries: either the undecoded advertisement (`manufacturerdata`, `servicedata`
 * with `servicedatauuid`, hex) or fields Theengs decoder already decoded (`uuid`, `major`, `minor`, `txpower`
 * for model_id IBEACON). Either way with the `rssi` the ESP32 heard and its `id` (MAC address).
 */
export type OmgReading = { adv: HeardAdvertisement; decoded?: IBeacon; volt?: number };

export function parseOmgMessage(body: unknown): Decoded<OmgReading> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return fail('not_object');
  const m = body as Record<string, unknown>;
  if (!checkRssi(m.rssi)) return fail('absurd_rssi');
  const adv: HeardAdvertisement = { rssi: m.rssi as number };
  if (typeof m.id === 'string') adv.address = m.id;
  if (m.manufacturerdata !== undefined) {
    const b = parseHex(m.manufacturerdata);
    if (!b) return fail('bad_hex');
    adv.manufacturerData = b;
  }
  if (m.servicedata !== undefined) {
    const b = parseHex(m.servicedata);
    if (!b) return fail('bad_hex');
    adv.serviceData = [{ uuid: typeof m.servicedatauuid === 'string' ? m.servicedatauuid : '', data: b }];
  }
  const reading: OmgReading = { adv };
  if (typeof m.volt === 'number') reading.volt = m.volt;
  if (typeof m.uuid === 'string' && Number.isInteger(m.major) && Number.isInteger(m.minor)) {
    const uuid = normalizeUuid(m.uuid);
    if (!uuid) return fail('bad_uuid');
    const major = m.major as number;
    const minor = m.minor as number;
    if (major < 0 || major > 0xffff || minor < 0 || minor > 0xffff) return fail('bad_major_minor');
    const tx = typeof m.txpower === 'number' && Number.isInteger(m.txpower) && m.txpower >= -128 && m.txpower <= 127 ? m.txpower : -59;
    reading.decoded = { kind: 'ibeacon', uuid, major, minor, txPower: tx };
  }
  if (!adv.manufacturerData && !adv.serviceData && !reading.decoded) return fail('no_beacon_data');
  return ok(reading);
}
