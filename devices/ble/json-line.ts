import { decodeAdvertisement } from './decode.ts';
import { parseHex } from './hex.ts';
import type { Advertisement, Beacon, ServiceData } from './types.ts';

export type DecodedLine = ({ kind: Beacon['kind'] } & Record<string, unknown>) | { kind: null; error: string };

const err = (error: string): DecodedLine => ({ kind: null, error });

/**
 * One line of `storegate ble-decode`: `{"manufacturerData":"4c000215…","serviceData":[{"uuid":"feaa","data":"…"}],"rssi":-70}`
 * → the decoded beacon's fields, or `{"kind":null,"error":"…"}`. OMG's lowercase `manufacturerdata` /
 * `servicedata` + `servicedatauuid` are accepted too, so a line copied from an ESP32's MQTT feed works.
 */
export function decodeJsonLine(line: string): DecodedLine {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch {
    return err('not valid JSON');
  }
  if (!input || typeof input !== 'object' || Array.isArray(input)) return err('expected a JSON object');
  const m = input as Record<string, unknown>;
  const adv: Advertisement = {};
  const mfgHex = m.manufacturerData ?? m.manufacturerdata;
  if (mfgHex !== undefined && mfgHex !== null) {
    const b = parseHex(mfgHex);
    if (!b) return err('manufacturerData is not hex');
    adv.manufacturerData = b;
  }
  const sds: ServiceData[] = [];
  if (Array.isArray(m.serviceData)) {
    for (const sd of m.serviceData as unknown[]) {
      const s = sd as { uuid?: unknown; data?: unknown } | null;
      if (!s || typeof s.uuid !== 'string') return err('serviceData entries need a uuid string');
      const b = parseHex(s.data);
      if (!b) return err(`serviceData ${s.uuid} data is not hex`);
      sds.push({ uuid: s.uuid, data: b });
    }
  } else if (m.serviceData !== undefined && m.serviceData !== null) {
    return err('serviceData must be an array of {uuid, data}');
  } else if (typeof m.servicedata === 'string') {
    const b = parseHex(m.servicedata);
    if (!b) return err('servicedata is not hex');
    sds.push({ uuid: typeof m.servicedatauuid === 'string' ? m.servicedatauuid : 'feaa', data: b });
  }
  if (sds.length) adv.serviceData = sds;
  const r = decodeAdvertisement(adv);
  return r.ok ? { ...r.value } : err(r.reason);
}
