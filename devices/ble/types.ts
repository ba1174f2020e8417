/**
 * What a BLE advertisement looks like by the time it reaches a decoder: the shape noble gives
 * (`manufacturerData` including the 2-byte little-endian company id, `serviceData` as `[{ uuid, data }]`).
 */
export interface ServiceData {
  uuid: string;
  data: Buffer;
}

export interface Advertisement {
  manufacturerData?: Buffer | null;
  serviceData?: readonly ServiceData[] | null;
}

/** A decoder answers with a value or a reason; it never guesses. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

export const ok = <T>(value: T): Decoded<T> => ({ ok: true, value });
export const fail = <T = never>(reason: string): Decoded<T> => ({ ok: false, reason });

export interface IBeacon {
  kind: 'ibeacon';
  /** canonical lowercase 8-4-4-4-12 */
  uuid: string;
  major: number;
  minor: number;
  /** measured power at 1 m, dBm */
  txPower: number;
}

export interface AltBeacon {
  kind: 'altbeacon';
  companyId: number;
  /** 20 bytes, lowercase hex */
  beaconId: string;
  /** average RSSI at 1 m, dBm */
  refRssi: number;
  mfgReserved: number;
}

export interface EddystoneUid {
  kind: 'eddystone-uid';
  /** calibrated power at 0 m, dBm */
  txPower: number;
  namespace: string;
  instance: string;
}

export interface EddystoneUrl {
  kind: 'eddystone-url';
  txPower: number;
  url: string;
}

export interface EddystoneTlm {
  kind: 'eddystone-tlm';
  version: number;
  /** 0 when the beacon does not measure it (USB powered) */
  batteryMv: number;
  /** null when the beacon reports 0x8000 (not supported) */
  temperatureC: number | null;
  advCount: number;
  uptimeSeconds: number;
}

export interface EddystoneEid {
  kind: 'eddystone-eid';
  txPower: number;
  eid: string;
}

export type Eddystone = EddystoneUid | EddystoneUrl | EddystoneTlm | EddystoneEid;
export type Beacon = IBeacon | AltBeacon | Eddystone;
export type BeaconKind = Beacon['kind'];
