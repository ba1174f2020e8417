import { describe, expect, it } from 'vitest';
import { decodeAltBeacon } from '../../../devices/ble/altbeacon.ts';
import { beaconKey, decodeAdvertisement, powerAt1m } from '../../../devices/ble/decode.ts';
import { decodeEddystone } from '../../../devices/ble/eddystone.ts';
import { normalizeUuid, parseHex, shortServiceUuid } from '../../../devices/ble/hex.ts';
import { decodeIBeacon } from '../../../devices/ble/ibeacon.ts';
import type { Beacon } from '../../../devices/ble/types.ts';
import { golden } from './vectors.ts';

/**
 * The edges of each frame format (lengths one off, one header byte wrong, the last byte of each URL table), with the
 * exact reason: a decoder that accepts or refuses for the wrong reason would hide which device sends what.
 */
const hex = (s: string) => Buffer.from(s, 'hex');
// the published frames from vectors.ts, cut and altered below
const IBEACON = '4c000215fda50693a4e24fb1afcfc6eb07647825000100021a';
const ALTBEACON = '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509';
const EDDYSTONE_UID = '00e700010203040506070809010203040506';
const decodedOf = (v: (typeof golden)[number]) => {
  const r = decodeAdvertisement({
    ...(v.manufacturerData ? { manufacturerData: hex(v.manufacturerData) } : {}),
    ...(v.eddystone !== undefined ? { serviceData: [{ uuid: 'feaa', data: hex(v.eddystone) }] } : {}),
  });
  if (!r.ok) throw new Error(`golden vector does not decode: ${v.source}`);
  return r.value;
};

describe('iBeacon and AltBeacon headers, byte by byte', () => {
  it.each([
    ['two bytes', '4c00', 'ibeacon: too short'],
    ['the header without a body', '4c000215', 'ibeacon: wrong length 4 (want 25)'],
    ['type 0x02 with length 0x16', `4c000216${IBEACON.slice(8)}`, 'ibeacon: not an iBeacon type/length (0x02 0x15)'],
    ['type 0x03 with length 0x15', `4c000315${IBEACON.slice(8)}`, 'ibeacon: not an iBeacon type/length (0x02 0x15)'],
  ])('iBeacon: %s', (_what, mfg, reason) => {
    expect(decodeIBeacon(hex(mfg))).toEqual({ ok: false, reason });
  });

  it.each([
    ['three bytes', '1801be', 'altbeacon: too short'],
    ['the beacon code without a body', '1801beac', 'altbeacon: wrong length 4 (want 26)'],
    ['an iBeacon frame', IBEACON, 'altbeacon: no 0xBEAC beacon code'],
    ['code 0xBEFF, 26 bytes', `1801beff${ALTBEACON.slice(8)}`, 'altbeacon: no 0xBEAC beacon code'],
    ['code 0xFFAC, 26 bytes', `1801ffac${ALTBEACON.slice(8)}`, 'altbeacon: no 0xBEAC beacon code'],
  ])('AltBeacon: %s', (_what, mfg, reason) => {
    expect(decodeAltBeacon(hex(mfg))).toEqual({ ok: false, reason });
  });
});

describe('which decoder an advertisement goes to', () => {
  it.each([
    ['empty manufacturer data', { manufacturerData: Buffer.alloc(0) }, 'no manufacturer data or Eddystone service data'],
    ['null manufacturer data', { manufacturerData: null }, 'no manufacturer data or Eddystone service data'],
    ['one byte', { manufacturerData: hex('4c') }, 'manufacturer data shorter than a company id'],
    ["Apple's company id alone", { manufacturerData: hex('4c00') }, 'ibeacon: too short'],
    ['a company id alone', { manufacturerData: hex('1801') }, 'manufacturer data of company 0x0118 is not a known beacon format'],
    ['a company id and 0xBE', { manufacturerData: hex('1801be') }, 'manufacturer data of company 0x0118 is not a known beacon format'],
    ['the AltBeacon code without a body', { manufacturerData: hex('1801beac') }, 'altbeacon: wrong length 4 (want 26)'],
    ['code 0xFFAC', { manufacturerData: hex(`1801ffac${ALTBEACON.slice(8)}`) }, 'manufacturer data of company 0x0118 is not a known beacon format'],
    ['code 0xBEFF', { manufacturerData: hex(`1801beff${ALTBEACON.slice(8)}`) }, 'manufacturer data of company 0x0118 is not a known beacon format'],
    [
      'two kinds of service data, neither Eddystone',
      {
        serviceData: [
          { uuid: '181a', data: hex('00') },
          { uuid: 'fe95', data: hex('00') },
        ],
      },
      'no beacon frame (service data 181a, fe95)',
    ],
    [
      'a bad iBeacon and a bad Eddystone frame: both reasons',
      { manufacturerData: hex('4c0010050b1c0f3f4f'), serviceData: [{ uuid: 'feaa', data: hex('40') }] },
      'ibeacon: not an iBeacon type/length (0x02 0x15); eddystone: unknown frame type 0x40',
    ],
  ])('%s', (_what, adv, reason) => {
    expect(decodeAdvertisement(adv)).toEqual({ ok: false, reason });
  });

  it.each([
    ['Apple Nearby Info manufacturer data', '4c0010050b1c0f3f4f'],
    ['an AltBeacon one byte short', ALTBEACON.slice(0, -2)],
  ])('decodes the Eddystone frame next to %s', (_what, mfg) => {
    const r = decodeAdvertisement({ manufacturerData: hex(mfg), serviceData: [{ uuid: 'feaa', data: hex(EDDYSTONE_UID) }] });
    expect(r).toMatchObject({ ok: true, value: { kind: 'eddystone-uid', namespace: '00010203040506070809' } });
  });

  it('decodes the second Eddystone frame when the first cannot be read', () => {
    const r = decodeAdvertisement({
      serviceData: [
        { uuid: 'feaa', data: hex('2001021203130414243405152535') },
        { uuid: 'feaa', data: hex(EDDYSTONE_UID) },
      ],
    });
    expect(r).toMatchObject({ ok: true, value: { kind: 'eddystone-uid' } });
  });
});

describe('Eddystone frame edges (google/eddystone protocol specification)', () => {
  // eddystone-url/README.md: the scheme prefixes 0x00–0x03 and the 14 expansion codes 0x00–0x0d, in table order
  const schemes = ['http://www.', 'https://www.', 'http://', 'https://'];
  const expansions = ['.com/', '.org/', '.edu/', '.net/', '.info/', '.biz/', '.gov/', '.com', '.org', '.edu', '.net', '.info', '.biz', '.gov'];
  it.each(schemes.map((s, i) => [s, i] as const))('reads URL scheme prefix %s (0x0%i)', (scheme, i) => {
    expect(decodeEddystone(hex(`10ee0${i}61`))).toEqual({ ok: true, value: { kind: 'eddystone-url', txPower: -18, url: `${scheme}a` } });
  });
  it.each(expansions.map((e, i) => [e, i] as const))('expands %s (code %i)', (exp, i) => {
    const code = i.toString(16).padStart(2, '0');
    expect(decodeEddystone(hex(`10ee0261${code}`))).toEqual({ ok: true, value: { kind: 'eddystone-url', txPower: -18, url: `http://a${exp}` } });
  });

  it('takes a URL frame of 3 bytes (scheme only) and of 20 bytes (17 encoded), and nothing outside', () => {
    expect(decodeEddystone(hex('10ee00'))).toEqual({ ok: true, value: { kind: 'eddystone-url', txPower: -18, url: 'http://www.' } });
    expect(decodeEddystone(hex(`10ee03${'61'.repeat(17)}`))).toEqual({
      ok: true,
      value: { kind: 'eddystone-url', txPower: -18, url: `https://${'a'.repeat(17)}` },
    });
    expect(decodeEddystone(hex('10ee'))).toEqual({ ok: false, reason: 'eddystone-url: wrong length 2 (want 3..20)' });
  });

  it.each([
    ['0x20 (space)', '20', false],
    ['0x21 (!)', '21', true],
    ['0x7e (~)', '7e', true],
    ['0x7f (DEL)', '7f', false],
    ['0x80', '80', false],
    ['0xff', 'ff', false],
  ])('URL byte %s is printable or reserved', (_what, b, printable) => {
    const r = decodeEddystone(hex(`10ee02${b}`));
    if (printable)
      expect(r).toEqual({ ok: true, value: { kind: 'eddystone-url', txPower: -18, url: `http://${String.fromCharCode(Number.parseInt(b, 16))}` } });
    else expect(r).toEqual({ ok: false, reason: `eddystone-url: reserved byte 0x${b} in URL` });
  });

  it.each([
    ['the frame type alone', '20', 'eddystone-tlm: too short'],
    ['type and version without data', '2000', 'eddystone-tlm: wrong length 2 (want 14)'],
    ['version 0x02, 14 bytes', '20020b701549023532d802384f46', 'eddystone-tlm: unknown version 0x02'],
  ])('TLM: refuses %s', (_what, frame, reason) => {
    expect(decodeEddystone(hex(frame))).toEqual({ ok: false, reason });
  });

  it('names a one-digit unknown frame type with two hex digits', () => {
    expect(decodeEddystone(hex('05000000'))).toEqual({ ok: false, reason: 'eddystone: unknown frame type 0x05' });
  });
});

describe('beacon identity and power at 1 m for every kind', () => {
  const byKind = (kind: Beacon['kind']) => decodedOf(golden.find((g) => g.expect.kind === kind) as (typeof golden)[number]);
  it.each([
    ['ibeacon', 'ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949', -59],
    ['altbeacon', 'altbeacon:2f234454cf6d4a0fadf2f4911ba9ffa600010002', -59],
    ['eddystone-uid', 'eddystone:00010203040506070809:010203040506', -25 - 41],
    ['eddystone-url', null, -25 - 41],
    ['eddystone-tlm', null, null],
    ['eddystone-eid', 'eid:5152535455565758', 4 - 41],
  ] as const)('%s: key %s, %s dBm at 1 m', (kind, key, power) => {
    const b = byKind(kind);
    expect(beaconKey(b)).toBe(key);
    expect(powerAt1m(b)).toBe(power);
  });
});

describe('hex and UUID spellings', () => {
  it('takes an upper-case 0X prefix', () => {
    expect(parseHex('0XFEAA')?.toString('hex')).toBe('feaa');
  });

  it('normalises a dashed or plain UUID of exactly 32 hex digits, and nothing around it', () => {
    const want = '426c7565-4368-6172-6d42-6561636f6e73';
    expect(normalizeUuid('426C7565-4368-6172-6D42-6561636F6E73')).toBe(want);
    expect(normalizeUuid('426c7565436861726d426561636f6e73')).toBe(want);
    expect(normalizeUuid('x426c7565436861726d426561636f6e73')).toBeNull();
    expect(normalizeUuid('426c7565436861726d426561636f6e73x')).toBeNull();
  });

  it('shortens the Bluetooth base UUID with or without dashes, and only a whole one', () => {
    expect(shortServiceUuid('0000feaa00001000800000805f9b34fb')).toBe('feaa');
    expect(shortServiceUuid('0000FEAA-0000-1000-8000-00805F9B34FB')).toBe('feaa');
    // not the base UUID: kept as given (lower case), so it is not taken for Eddystone
    expect(shortServiceUuid('0000feaa-0000-1000-8000-00805f9b34fb00')).toBe('0000feaa-0000-1000-8000-00805f9b34fb00');
    expect(shortServiceUuid('110000feaa-0000-1000-8000-00805f9b34fb')).toBe('110000feaa-0000-1000-8000-00805f9b34fb');
    expect(shortServiceUuid('fe0xaa')).toBe('fe0xaa');
  });
});
