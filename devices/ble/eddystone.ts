import { type Decoded, type Eddystone, type EddystoneEid, type EddystoneTlm, type EddystoneUid, type EddystoneUrl, fail, ok } from './types.ts';

/** The Eddystone service UUID (google/eddystone protocol-specification.md). */
export const EDDYSTONE_UUID = 'feaa';

// eddystone-url/README.md: URL scheme prefix and HTTP URL encoding tables
const SCHEMES = ['http://www.', 'https://www.', 'http://', 'https://'];
const EXPANSIONS = ['.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/', '.com', '.org', '.edu', '.net', '.info', '.biz', '.gov'];

/** eddystone-uid/README.md: type, tx power, 10-byte namespace, 6-byte instance, 2 RFU bytes (often omitted). */
function decodeUid(f: Buffer): Decoded<EddystoneUid> {
  if (f.length !== 18 && f.length !== 20) return fail(`eddystone-uid: wrong length ${f.length} (want 18 or 20)`);
  return ok({ kind: 'eddystone-uid', txPower: f.readInt8(1), namespace: f.subarray(2, 12).toString('hex'), instance: f.subarray(12, 18).toString('hex') });
}

/** eddystone-url/README.md: type, tx power, scheme byte, 0–17 encoded bytes. */
function decodeUrl(f: Buffer): Decoded<EddystoneUrl> {
  if (f.length < 3 || f.length > 20) return fail(`eddystone-url: wrong length ${f.length} (want 3..20)`);
  const scheme = SCHEMES[f[2] as number];
  if (scheme === undefined) return fail(`eddystone-url: bad URL scheme byte 0x${(f[2] as number).toString(16).padStart(2, '0')}`);
  let url = scheme;
  for (const b of f.subarray(3)) {
    const exp = EXPANSIONS[b];
    if (exp !== undefined) url += exp;
    // 0x0e–0x20 and 0x7f–0xff are reserved: not printable URL characters
    else if (b > 0x20 && b < 0x7f) url += String.fromCharCode(b);
    else return fail(`eddystone-url: reserved byte 0x${b.toString(16).padStart(2, '0')} in URL`);
  }
  return ok({ kind: 'eddystone-url', txPower: f.readInt8(1), url });
}

/** eddystone-tlm/tlm-plain.md: 14 bytes, big-endian; version 0x01 is the encrypted form (tlm-encrypted.md). */
function decodeTlm(f: Buffer): Decoded<EddystoneTlm> {
  if (f.length < 2) return fail('eddystone-tlm: too short');
  if (f[1] === 0x01) return fail('eddystone-tlm: encrypted TLM (version 0x01) cannot be read without the beacon key');
  if (f[1] !== 0x00) return fail(`eddystone-tlm: unknown version 0x${(f[1] as number).toString(16).padStart(2, '0')}`);
  if (f.length !== 14) return fail(`eddystone-tlm: wrong length ${f.length} (want 14)`);
  const rawTemp = f.readUInt16BE(4);
  return ok({
    kind: 'eddystone-tlm',
    version: 0,
    batteryMv: f.readUInt16BE(2),
    // signed 8.8 fixed point; 0x8000 (-128 °C) means "not supported"
    temperatureC: rawTemp === 0x8000 ? null : f.readInt16BE(4) / 256,
    advCount: f.readUInt32BE(6),
    // SEC_CNT counts tenths of a second
    uptimeSeconds: f.readUInt32BE(10) / 10,
  });
}

/** eddystone-eid/README.md: type, tx power, 8-byte ephemeral id. */
function decodeEid(f: Buffer): Decoded<EddystoneEid> {
  if (f.length !== 10) return fail(`eddystone-eid: wrong length ${f.length} (want 10)`);
  return ok({ kind: 'eddystone-eid', txPower: f.readInt8(1), eid: f.subarray(2, 10).toString('hex') });
}

/** One Eddystone frame: the service data of UUID 0xFEAA, frame type in the first byte. */
export function decodeEddystone(frame: Buffer): Decoded<Eddystone> {
  if (frame.length === 0) return fail('eddystone: empty frame');
  switch (frame[0]) {
    case 0x00:
      return decodeUid(frame);
    case 0x10:
      return decodeUrl(frame);
    case 0x20:
      return decodeTlm(frame);
    case 0x30:
      return decodeEid(frame);
    default:
      return fail(`eddystone: unknown frame type 0x${(frame[0] as number).toString(16).padStart(2, '0')}`);
  }
}
