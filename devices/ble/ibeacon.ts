import { uuidString } from './hex.ts';
import { type Decoded, fail, type IBeacon, ok } from './types.ts';

export const APPLE_COMPANY_ID = 0x004c;

/**
 * Apple iBeacon in manufacturer data (Apple "Proximity Beacon Specification", R1): company id 0x004C
 * (little-endian `4c 00`), type 0x02, length 0x15, 16-byte proximity UUID, major and minor (big-endian),
 * measured power (signed, dBm at 1 m). Exactly 25 bytes; anything longer or shorter is not an iBeacon.
 */
export function decodeIBeacon(mfg: Buffer): Decoded<IBeacon> {
  if (mfg.length < 4) return fail('ibeacon: too short');
  if (mfg.readUInt16LE(0) !== APPLE_COMPANY_ID) return fail('ibeacon: wrong company id');
  if (mfg[2] !== 0x02 || mfg[3] !== 0x15) return fail('ibeacon: not an iBeacon type/length (0x02 0x15)');
  if (mfg.length !== 25) return fail(`ibeacon: wrong length ${mfg.length} (want 25)`);
  return ok({
    kind: 'ibeacon',
    uuid: uuidString(mfg.subarray(4, 20)),
    major: mfg.readUInt16BE(20),
    minor: mfg.readUInt16BE(22),
    txPower: mfg.readInt8(24),
  });
}
