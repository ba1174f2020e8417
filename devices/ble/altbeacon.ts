import { type AltBeacon, type Decoded, fail, ok } from './types.ts';

/**
 * AltBeacon v1.0 (AltBeacon/spec README): any company id (little-endian), beacon code 0xBEAC, a 20-byte
 * beacon id (big-endian), reference RSSI (signed, dBm at 1 m) and one manufacturer-reserved byte:
 * 2 + 24 = 26 bytes of manufacturer data.
 */
export function decodeAltBeacon(mfg: Buffer): Decoded<AltBeacon> {
  if (mfg.length < 4) return fail('altbeacon: too short');
  if (mfg[2] !== 0xbe || mfg[3] !== 0xac) return fail('altbeacon: no 0xBEAC beacon code');
  if (mfg.length !== 26) return fail(`altbeacon: wrong length ${mfg.length} (want 26)`);
  return ok({
    kind: 'altbeacon',
    companyId: mfg.readUInt16LE(0),
    beaconId: mfg.subarray(4, 24).toString('hex'),
    refRssi: mfg.readInt8(24),
    mfgReserved: mfg[25] as number,
  });
}
