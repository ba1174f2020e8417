import type { Point } from './radio.ts';

/**
 * The simulated store floor: zones with a scanner each and a fixed beacon near it. Zones are ~12 m apart, so a
 * shopper standing in one is heard ~18 dB stronger by its scanner than by the next one (the gateway needs 6 dB).
 */
export interface ZoneSpec {
  name: string;
  role: 'entrance' | 'shelf' | 'fitting-room' | 'checkout' | 'other';
  scannerId: string;
  at: Point;
  beacon: { id: string; instance: string; address: string };
}

export const BEACON_NAMESPACE = 'b2b98de4c81c47c2b14e';
/** the store app's iBeacon proximity UUID (major/minor differ per install) */
export const APP_UUID = 'e2c56db5-dffb-48d2-b060-d0f5a71096e0';

export const STORE_ZONES: ZoneSpec[] = [
  {
    name: 'entrance',
    role: 'entrance',
    scannerId: 'sc-entrance',
    at: { x: 0, y: 0 },
    beacon: { id: 'bc-entrance', instance: '000000000001', address: 'C0:FF:EE:00:00:01' },
  },
  {
    name: 'womenswear',
    role: 'shelf',
    scannerId: 'sc-womens',
    at: { x: 12, y: 0 },
    beacon: { id: 'bc-womens', instance: '000000000002', address: 'C0:FF:EE:00:00:02' },
  },
  {
    name: 'menswear',
    role: 'shelf',
    scannerId: 'sc-mens',
    at: { x: 12, y: 12 },
    beacon: { id: 'bc-mens', instance: '000000000003', address: 'C0:FF:EE:00:00:03' },
  },
  {
    name: 'fitting-rooms',
    role: 'fitting-room',
    scannerId: 'sc-fitting',
    at: { x: 24, y: 6 },
    beacon: { id: 'bc-fitting', instance: '000000000004', address: 'C0:FF:EE:00:00:04' },
  },
];

export const zoneNamed = (name: string) => {
  const z = STORE_ZONES.find((s) => s.name === name);
  if (!z) throw new Error(`no zone ${name}`);
  return z;
};

/** Fixed beacons sit 1 m from their zone's scanner and transmit low (-40 dBm at 0 m), so only that scanner hears them. */
export const BEACON_TX_AT_0M = -40;
export const beaconPosition = (z: ZoneSpec): Point => ({ x: z.at.x + 1, y: z.at.y });

/** The `presence` config section for a gateway serving this floor (plain data; tunings in real seconds). */
export function presenceConfigFor(zones: ZoneSpec[] = STORE_ZONES, tuning: Record<string, number> = {}) {
  return {
    zones: zones.map((z) => ({ name: z.name, role: z.role, scanners: [z.scannerId] })),
    beacons: zones.map((z) => ({
      id: z.beacon.id,
      role: z.role,
      zone: z.name,
      address: z.beacon.address,
      eddystoneUid: { namespace: BEACON_NAMESPACE, instance: z.beacon.instance },
    })),
    shopperApp: { ibeaconUuids: [APP_UUID] },
    ...tuning,
  };
}
