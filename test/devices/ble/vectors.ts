/**
 * Published beacon frames, each with where it comes from. Manufacturer data is given as noble gives it
 * (company id first, little-endian); Eddystone frames as the service data of UUID 0xFEAA (frame type first).
 * Where a source shows a whole advertising payload, the AD structure's length/type bytes were stripped.
 */
import type { Beacon } from '../../../devices/ble/types.ts';

export interface GoldenVector {
  source: string;
  manufacturerData?: string;
  eddystone?: string;
  expect: Beacon;
}

const THEENGS = 'theengs/decoder tests/BLE/test_ble.cpp';
const ABL = 'AltBeacon/android-beacon-library lib/src/test/java/org/altbeacon/beacon';
const KONTAKT = 'sz33psz/kontakt-beacon-parser (Go) parser tests';

export const golden: GoldenVector[] = [
  {
    source: `${THEENGS} "iBeacon BlueCharm_135727" (expected uuid 426c7565…, major 3838, minor 4949, txpower -59)`,
    manufacturerData: '4c000215426c7565436861726d426561636f6e730efe1355c5',
    expect: { kind: 'ibeacon', uuid: '426c7565-4368-6172-6d42-6561636f6e73', major: 3838, minor: 4949, txPower: -59 },
  },
  {
    source: `${THEENGS} "iBeacon NRF51822" (expected major 1, minor 2; last byte 0x1a = +26 dBm)`,
    manufacturerData: '4c000215fda50693a4e24fb1afcfc6eb07647825000100021a',
    expect: { kind: 'ibeacon', uuid: 'fda50693-a4e2-4fb1-afcf-c6eb07647825', major: 1, minor: 2, txPower: 26 },
  },
  {
    source: `${THEENGS} "Tilt Hydrothermometer" (an iBeacon: major 0x0044, minor 0x03f8)`,
    manufacturerData: '4c000215a495bb10c5b14b44b5121370f02d74de004403f8c5',
    expect: { kind: 'ibeacon', uuid: 'a495bb10-c5b1-4b44-b512-1370f02d74de', major: 68, minor: 1016, txPower: -59 },
  },
  {
    source: `${ABL}/AltBeaconParserTest.java testRecognizeBeacon + testParsesBeaconMissingDataField (manufacturer 0x118, txPower -59, mfgReserved 9)`,
    manufacturerData: '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c509',
    expect: { kind: 'altbeacon', companyId: 0x0118, beaconId: '2f234454cf6d4a0fadf2f4911ba9ffa600010002', refRssi: -59, mfgReserved: 9 },
  },
  {
    source: `${ABL}/AltBeaconParserTest.java testDetectsDaveMHardwareBeacon`,
    manufacturerData: '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600050003be02',
    expect: { kind: 'altbeacon', companyId: 0x0118, beaconId: '2f234454cf6d4a0fadf2f4911ba9ffa600050003', refRssi: -66, mfgReserved: 2 },
  },
  {
    source: `${ABL}/GattBeaconTest.java testDetectsEddystoneUID (18-byte UID frame, RFU omitted)`,
    eddystone: '00e700010203040506070809010203040506',
    expect: { kind: 'eddystone-uid', txPower: -25, namespace: '00010203040506070809', instance: '010203040506' },
  },
  {
    source: `${KONTAKT} TestParseEddystoneUID (20-byte frame with RFU)`,
    eddystone: '0004010203040506070809000102030405060000',
    expect: { kind: 'eddystone-uid', txPower: 4, namespace: '01020304050607080900', instance: '010203040506' },
  },
  {
    source:
      'MikroTik RouterOS Bluetooth docs, peripheral-devices print: eddystone-uid namespace b2b98de4c81c47c2b14e instance 750000000000, rssi-at-1m -68 (0 m: -27)',
    eddystone: '00e5b2b98de4c81c47c2b14e7500000000000000',
    expect: { kind: 'eddystone-uid', txPower: -27, namespace: 'b2b98de4c81c47c2b14e', instance: '750000000000' },
  },
  {
    source: `${ABL}/BeaconParserTest.java testParseGattIdentifierThatRunsOverPduLength ("google" + .com/ with scheme http://)`,
    eddystone: '10e702676f6f676c6500',
    expect: { kind: 'eddystone-url', txPower: -25, url: 'http://google.com/' },
  },
  {
    source: `${ABL}/GattBeaconTest.java testDetectsGattBeacon ("radiusnetworks" with http://www. and .com)`,
    eddystone: '10ec007261646975736e6574776f726b7307',
    expect: { kind: 'eddystone-url', txPower: -20, url: 'http://www.radiusnetworks.com' },
  },
  {
    source: `${KONTAKT} TestEddystoneURL ("https://test.biz")`,
    eddystone: '100403746573740c',
    expect: { kind: 'eddystone-url', txPower: 4, url: 'https://test.biz' },
  },
  {
    source: `${KONTAKT} TestEddystoneURL2 ("http://www.test.gov/test")`,
    eddystone: '100400746573740674657374',
    expect: { kind: 'eddystone-url', txPower: 4, url: 'http://www.test.gov/test' },
  },
  {
    source: 'google/eddystone eddystone-url/README.md: example URL https://goo.gl/S6zT6P (scheme 0x03, no expansion), tx power example 0xEE = -18 dBm',
    eddystone: `10ee03${Buffer.from('goo.gl/S6zT6P').toString('hex')}`,
    expect: { kind: 'eddystone-url', txPower: -18, url: 'https://goo.gl/S6zT6P' },
  },
  {
    source: 'MikroTik RouterOS Bluetooth docs, peripheral-devices print: 2.928 V, 21.285 °C, packet count 37040856, uptime 3724474.2 s',
    eddystone: '20000b701549023532d802384f46',
    expect: { kind: 'eddystone-tlm', version: 0, batteryMv: 2928, temperatureC: 0x1549 / 256, advCount: 37040856, uptimeSeconds: 3724474.2 },
  },
  {
    source: 'MikroTik RouterOS Bluetooth docs, decode-ad example: 2.926 V, 21.515 °C, packet count 37042930, uptime 3724682.7 s',
    eddystone: '20000b6e158402353af20238576b',
    expect: { kind: 'eddystone-tlm', version: 0, batteryMv: 2926, temperatureC: 0x1584 / 256, advCount: 37042930, uptimeSeconds: 3724682.7 },
  },
  {
    source: `${KONTAKT} TestEddystoneTLM (384 mV, 5.25 °C, 256 adverts, 6553.6 s)`,
    eddystone: '2000018005400000010000010000',
    expect: { kind: 'eddystone-tlm', version: 0, batteryMv: 384, temperatureC: 5.25, advCount: 256, uptimeSeconds: 6553.6 },
  },
  {
    source: 'google/eddystone eddystone-tlm/tlm-plain.md: temperature 0x8000 means "not supported"; battery 0 means not measured',
    eddystone: '2000000080000000000700000005',
    expect: { kind: 'eddystone-tlm', version: 0, batteryMv: 0, temperatureC: null, advCount: 7, uptimeSeconds: 0.5 },
  },
  {
    source: `${KONTAKT} TestEddystoneEID`,
    eddystone: '30045152535455565758',
    expect: { kind: 'eddystone-eid', txPower: 4, eid: '5152535455565758' },
  },
];

export interface FailVector {
  source: string;
  manufacturerData?: string;
  eddystone?: string;
  /** a substring of the reason */
  reason: string;
}

export const mustFail: FailVector[] = [
  {
    source: `${ABL}/AltBeaconParserTest.java testParseWrongFormatReturnsNothing (beacon code 0xffff)`,
    manufacturerData: '1801ffff2f234454cf6d4a0fadf2f4911ba9ffa600010002c509',
    reason: 'not a known beacon format',
  },
  {
    source: `${THEENGS} "Jaalee" (an iBeacon frame with a trailing vendor byte: 26 bytes, not 25)`,
    manufacturerData: '4c000215ebefd08370a247c89837e7b5634df52567f857becb64',
    reason: 'wrong length 26',
  },
  {
    source: 'iBeacon header on a non-Apple company id (0x004d)',
    manufacturerData: '4d000215fda50693a4e24fb1afcfc6eb07647825000100021a',
    reason: 'not a known beacon format',
  },
  {
    source: 'truncated iBeacon (last byte missing)',
    manufacturerData: '4c000215fda50693a4e24fb1afcfc6eb076478250001000200'.slice(0, 48),
    reason: 'wrong length 24',
  },
  { source: 'Apple manufacturer data that is not an iBeacon (type 0x10, Nearby Info)', manufacturerData: '4c0010050b1c0f3f4f', reason: 'not an iBeacon' },
  { source: 'AltBeacon one byte short (no mfg reserved)', manufacturerData: '1801beac2f234454cf6d4a0fadf2f4911ba9ffa600010002c5', reason: 'wrong length 25' },
  {
    source: `${THEENGS} "BlueCharm BC08" service data on 0xfeaa with frame type 0x21 (vendor frame, not Eddystone)`,
    eddystone: '21010b0c1318000021fffdfc12',
    reason: 'unknown frame type 0x21',
  },
  {
    source: `${ABL}/BeaconParserTest.java testReEncodesBeaconForEddystoneTelemetry (TLM version 0x01 = encrypted)`,
    eddystone: '2001021203130414243405152535',
    reason: 'encrypted',
  },
  { source: `${KONTAKT} TestEddystoneETLM (encrypted TLM)`, eddystone: '20010102030405060708090a0b0c01021112', reason: 'encrypted' },
  { source: 'Eddystone-URL with scheme byte 0x04 (only 0x00–0x03 defined)', eddystone: '10ee04676f6f676c6507', reason: 'bad URL scheme byte 0x04' },
  { source: 'Eddystone-URL with a reserved byte 0x0e in the URL', eddystone: '10ee02676f0e6f676c65', reason: 'reserved byte 0x0e' },
  { source: 'Eddystone-URL longer than 17 encoded bytes', eddystone: `10ee02${'61'.repeat(18)}`, reason: 'wrong length 21' },
  { source: 'Eddystone-UID of 17 bytes', eddystone: '00e7000102030405060708090102030405', reason: 'wrong length 17' },
  { source: 'Eddystone-TLM one byte short', eddystone: '20000b701549023532d802384f', reason: 'wrong length 13' },
  { source: 'Eddystone-EID one byte short', eddystone: '300451525354555657', reason: 'wrong length 9' },
  { source: 'Eddystone reserved frame type 0x40', eddystone: '40000000', reason: 'unknown frame type 0x40' },
  { source: 'empty Eddystone frame', eddystone: '', reason: 'empty' },
];
