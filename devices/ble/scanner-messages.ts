import Type, { type Static } from 'typebox';
import { parseHex } from './hex.ts';
import type { Advertisement, Decoded, ServiceData } from './types.ts';
import { fail, ok } from './types.ts';

/**
 * storegate's raw scanner format, published by remote scanners on
 * `storegate/<storeId>/ble-scanner/<scannerId>/adv`: one advertisement, or `{ advs: [...] }` for a batch.
 * Byte fields are hex. RSSI range and hex are checked by `toAdvertisement` so each gets its own rejection reason.
 */
export const ScannerAdv = Type.Object({
  /** the advertiser's address; used in memory only to tie TLM frames to fixed beacons, never stored */
  address: Type.Optional(Type.String({ maxLength: 64 })),
  rssi: Type.Number(),
  manufacturerData: Type.Optional(Type.String({ maxLength: 128 })),
  serviceData: Type.Optional(Type.Array(Type.Object({ uuid: Type.String({ maxLength: 40 }), data: Type.String({ maxLength: 128 }) }), { maxItems: 8 })),
  /** scanner's own timestamp, ms since epoch; informative only */
  ts: Type.Optional(Type.Number()),
});
export type ScannerAdv = Static<typeof ScannerAdv>;

export const ScannerAdvMessage = Type.Union([
  ScannerAdv,
  Type.Object({ msgId: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()])), advs: Type.Array(ScannerAdv, { maxItems: 1000 }) }),
]);
export type ScannerAdvMessage = Static<typeof ScannerAdvMessage>;

/** RSSI outside this range is not a radio reading (a driver glitch, a unit mix-up, a fake). */
export const RSSI_MIN = -127;
export const RSSI_MAX = 20;

export interface HeardAdvertisement extends Advertisement {
  address?: string;
  rssi: number;
}

export function checkRssi(rssi: unknown): rssi is number {
  return typeof rssi === 'number' && Number.isFinite(rssi) && rssi >= RSSI_MIN && rssi <= RSSI_MAX && rssi !== 0;
}

/** Raw scanner JSON → noble-shaped advertisement, or a reason (`bad_hex`, `absurd_rssi`). */
export function toAdvertisement(a: ScannerAdv): Decoded<HeardAdvertisement> {
  if (!checkRssi(a.rssi)) return fail('absurd_rssi');
  const out: HeardAdvertisement = { rssi: a.rssi };
  if (a.address !== undefined) out.address = a.address;
  if (a.manufacturerData !== undefined) {
    const b = parseHex(a.manufacturerData);
    if (!b) return fail('bad_hex');
    out.manufacturerData = b;
  }
  if (a.serviceData !== undefined) {
    const sds: ServiceData[] = [];
    for (const sd of a.serviceData) {
      const b = parseHex(sd.data);
      if (!b) return fail('bad_hex');
      sds.push({ uuid: sd.uuid, data: b });
    }
    out.serviceData = sds;
  }
  return ok(out);
}
