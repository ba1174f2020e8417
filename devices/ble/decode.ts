import { decodeAltBeacon } from './altbeacon.ts';
import { decodeEddystone, EDDYSTONE_UUID } from './eddystone.ts';
import { shortServiceUuid } from './hex.ts';
import { APPLE_COMPANY_ID, decodeIBeacon } from './ibeacon.ts';
import { type Advertisement, type Beacon, type Decoded, fail } from './types.ts';

/**
 * Decode whatever beacon frame an advertisement carries. Manufacturer data is tried as iBeacon (Apple
 * company id) or AltBeacon (0xBEAC code); service data 0xFEAA as Eddystone. When nothing matches, the
 * reason says why, from the most specific decoder that looked at it.
 */
export function decodeAdvertisement(adv: Advertisement): Decoded<Beacon> {
  const reasons: string[] = [];
  const mfg = adv.manufacturerData;
  if (mfg && mfg.length > 0) {
    if (mfg.length >= 2 && mfg.readUInt16LE(0) === APPLE_COMPANY_ID) {
      const r = decodeIBeacon(mfg);
      if (r.ok) return r;
      reasons.push(r.reason);
    } else if (mfg.length >= 4 && mfg[2] === 0xbe && mfg[3] === 0xac) {
      const r = decodeAltBeacon(mfg);
      if (r.ok) return r;
      reasons.push(r.reason);
    } else if (mfg.length >= 2) {
      reasons.push(`manufacturer data of company 0x${mfg.readUInt16LE(0).toString(16).padStart(4, '0')} is not a known beacon format`);
    } else {
      reasons.push('manufacturer data shorter than a company id');
    }
  }
  for (const sd of adv.serviceData ?? []) {
    if (shortServiceUuid(sd.uuid) !== EDDYSTONE_UUID) continue;
    const r = decodeEddystone(sd.data);
    if (r.ok) return r;
    reasons.push(r.reason);
  }
  if (reasons.length === 0) {
    const uuids = (adv.serviceData ?? []).map((s) => shortServiceUuid(s.uuid));
    reasons.push(uuids.length ? `no beacon frame (service data ${uuids.join(', ')})` : 'no manufacturer data or Eddystone service data');
  }
  return fail(reasons.join('; '));
}

/**
 * The stable identity of a beacon, for presence and fleet health. TLM and URL frames carry none (TLM is tied to
 * its beacon by the device address, see the presence service).
 */
export function beaconKey(b: Beacon): string | null {
  switch (b.kind) {
    case 'ibeacon':
      return `ibeacon:${b.uuid}:${b.major}:${b.minor}`;
    case 'altbeacon':
      return `altbeacon:${b.beaconId}`;
    case 'eddystone-uid':
      return `eddystone:${b.namespace}:${b.instance}`;
    case 'eddystone-eid':
      return `eid:${b.eid}`;
    default:
      return null;
  }
}

/** Calibrated power at 1 m: iBeacon/AltBeacon measure at 1 m; Eddystone at 0 m, and 1 m loses about 41 dB. */
export function powerAt1m(b: Beacon): number | null {
  switch (b.kind) {
    case 'ibeacon':
      return b.txPower;
    case 'altbeacon':
      return b.refRssi;
    case 'eddystone-uid':
    case 'eddystone-url':
    case 'eddystone-eid':
      return b.txPower - 41;
    default:
      return null;
  }
}
