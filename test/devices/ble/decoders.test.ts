import { describe, expect, it } from 'vitest';
import { decodeAltBeacon } from '../../../devices/ble/altbeacon.ts';
import { beaconKey, decodeAdvertisement, powerAt1m } from '../../../devices/ble/decode.ts';
import { decodeEddystone } from '../../../devices/ble/eddystone.ts';
import { parseHex, shortServiceUuid } from '../../../devices/ble/hex.ts';
import { decodeIBeacon } from '../../../devices/ble/ibeacon.ts';
import type { Advertisement } from '../../../devices/ble/types.ts';
import { type GoldenVector, golden, mustFail } from './vectors.ts';

const toAdv = (v: { manufacturerData?: string; eddystone?: string }): Advertisement => ({
  ...(v.manufacturerData !== undefined ? { manufacturerData: Buffer.from(v.manufacturerData, 'hex') } : {}),
  ...(v.eddystone !== undefined ? { serviceData: [{ uuid: 'feaa', data: Buffer.from(v.eddystone, 'hex') }] } : {}),
});

describe('beacon decoders on published vectors', () => {
  it.each(golden.map((v) => [v.source, v] as [string, GoldenVector]))('decodes %s', (_s, v) => {
    const r = decodeAdvertisement(toAdv(v));
    expect(r).toEqual({ ok: true, value: v.expect });
  });

  it('covers every beacon kind', () => {
    expect(new Set(golden.map((v) => v.expect.kind))).toEqual(
      new Set(['ibeacon', 'altbeacon', 'eddystone-uid', 'eddystone-url', 'eddystone-tlm', 'eddystone-eid']),
    );
  });

  it('reads the TLM temperature as signed 8.8 fixed point (MikroTik docs: 0xFE80 is -1.5 °C)', () => {
    const r = decodeEddystone(Buffer.from('20000bb8fe800000000100000001', 'hex'));
    expect(r.ok && r.value.kind === 'eddystone-tlm' && r.value.temperatureC).toBe(-1.5);
  });
});

describe('beacon decoders reject what they cannot read', () => {
  it.each(mustFail.map((v) => [v.source, v] as [string, (typeof mustFail)[number]]))('rejects %s', (_s, v) => {
    const r = decodeAdvertisement(toAdv(v));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(v.reason);
  });

  it('rejects an iBeacon decode of manufacturer data with a wrong company id', () => {
    expect(decodeIBeacon(Buffer.from('1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509', 'hex'))).toEqual({
      ok: false,
      reason: 'ibeacon: wrong company id',
    });
  });

  it('rejects an AltBeacon decode of an iBeacon frame', () => {
    expect(decodeAltBeacon(Buffer.from('4c000215fda50693a4e24fb1afcfc6eb07647825000100021a', 'hex')).ok).toBe(false);
  });

  it('says so when an advertisement carries no beacon frame at all', () => {
    expect(decodeAdvertisement({})).toEqual({ ok: false, reason: 'no manufacturer data or Eddystone service data' });
    const r = decodeAdvertisement({ serviceData: [{ uuid: '181a', data: Buffer.from('10c30c1c6400', 'hex') }] });
    expect(r.ok === false && r.reason).toContain('181a');
  });

  it('ignores non-Eddystone service data but decodes the Eddystone frame next to it', () => {
    const r = decodeAdvertisement({
      serviceData: [
        { uuid: 'fe95', data: Buffer.from('7120', 'hex') },
        { uuid: '0000FEAA-0000-1000-8000-00805F9B34FB', data: Buffer.from('30045152535455565758', 'hex') },
      ],
    });
    expect(r.ok && r.value.kind).toBe('eddystone-eid');
  });
});

describe('beacon helpers', () => {
  it('parses strict hex only', () => {
    expect(parseHex('4C00')?.toString('hex')).toBe('4c00');
    expect(parseHex('0xfeaa')?.toString('hex')).toBe('feaa');
    expect(parseHex('4c0')).toBeNull();
    expect(parseHex('zz')).toBeNull();
    expect(parseHex(42)).toBeNull();
  });

  it('normalises 16-bit service UUIDs in every spelling', () => {
    expect(['feaa', 'FEAA', '0xfeaa', '0000feaa-0000-1000-8000-00805f9b34fb'].map(shortServiceUuid)).toEqual(['feaa', 'feaa', 'feaa', 'feaa']);
  });

  it('gives identifying frames a stable key and TLM none', () => {
    const keys = golden.map((v) => {
      const r = decodeAdvertisement(toAdv(v));
      return r.ok ? beaconKey(r.value) : 'fail';
    });
    expect(keys[0]).toBe('ibeacon:426c7565-4368-6172-6d42-6561636f6e73:3838:4949');
    expect(keys.filter((k) => k === null)).toHaveLength(golden.filter((v) => ['eddystone-tlm', 'eddystone-url'].includes(v.expect.kind)).length);
  });

  it('refers Eddystone power to 1 m by subtracting 41 dB', () => {
    expect(powerAt1m({ kind: 'eddystone-uid', txPower: -20, namespace: '', instance: '' })).toBe(-61);
    expect(powerAt1m({ kind: 'ibeacon', uuid: '', major: 0, minor: 0, txPower: -59 })).toBe(-59);
  });
});
