import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';

export const IBEACON_HEX = '4c000215f7826da64fa24e988024bc5b71e0893e00010002c5';
export const EDDYSTONE_UID_HEX = '00e800112233445566778899aabbccddeeff0001';
export const ALTBEACON_HEX = '1801beacf7826da64fa24e988024bc5b71e0893e00010002c500';
export const JPEG = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'fashion-mnist', 'parity-light-320x240.jpg'));
export const PNG = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'fashion-mnist', 'parity-dark-96x128.png'));

/** Valid messages per `kind/channel` (`*` for every kind), taken from the wire contracts in README and devices/. */
const KNOWN: Record<string, unknown[]> = {
  '*/status': [{ online: true, firmware: '1.2.0', batteryPct: 80, rssi: -60, uptimeSeconds: 3600 }, { online: false }],
  '*/telemetry': [{ type: 'door', values: { open: true, temperatureC: 21.5, label: 'x' } }, { type: 'heartbeat' }],
  'ble-scanner/adv': [
    { address: 'aa:bb:cc:dd:ee:01', rssi: -61, manufacturerData: IBEACON_HEX, ts: 1767258000000 },
    { rssi: -70, serviceData: [{ uuid: 'feaa', data: EDDYSTONE_UID_HEX }] },
    {
      advs: [
        { rssi: -55, manufacturerData: IBEACON_HEX },
        { rssi: -80, manufacturerData: ALTBEACON_HEX },
      ],
    },
  ],
  'ble-scanner/omg': [
    { id: 'AA:BB:CC:DD:EE:02', rssi: -64, manufacturerdata: IBEACON_HEX },
    { id: 'AA:BB:CC:DD:EE:03', rssi: -70, model_id: 'IBEACON', uuid: 'f7826da6-4fa2-4e98-8024-bc5b71e0893e', major: 1, minor: 2, txpower: -59 },
  ],
  'locker/event': [
    { type: 'door', compartment: 'A1', door: 'open', occupied: false },
    { type: 'door', compartment: 'A2', door: 'closed', occupied: true },
    { type: 'occupancy', compartment: 'A3', occupied: true },
    { type: 'fault', fault: 'tamper', compartment: 'A4' },
  ],
  'locker/keypad': [{ code: '123456' }, { qr: 'sgr1.eyJ4IjoxfQ.c2ln' }],
  'locker/state': [{ compartments: [{ id: 'A1', door: 'closed', occupied: false }], powerLoss: false }],
};

/** Valid seeds for a channel: the known ones, else one made from its schema (a capability that landed later). */
export function seedsFor(kind: string, channel: string, schema?: TSchema, binary?: boolean): Array<unknown> {
  if (binary) return [JPEG, PNG];
  const known = KNOWN[`${kind}/${channel}`];
  if (known) return known;
  if (schema) {
    try {
      return [Value.Create(schema)];
    } catch {
      return [{}];
    }
  }
  return [{}];
}
