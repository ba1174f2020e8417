import { Compile } from 'typebox/compile';
import { describe, expect, it } from 'vitest';
import { normaliseReads, TagReadsMessage } from '../../../devices/rfid/messages.ts';
import { decodeSgtin96 } from '../../../devices/rfid/sgtin.ts';
import { encodeSgtin96 } from '../../../devices/rfid/sgtin-encode.ts';

const check = Compile(TagReadsMessage);
const T = '2026-12-03T10:00:00.000Z';

describe('tag read messages', () => {
  // [what, message, reads]: storegate's own shape and the two middlewares' as they publish them
  const CASES: Array<[string, unknown, ReturnType<typeof normaliseReads>]> = [
    ['a single read', { epc: 'AB', antenna: 1, rssi: -50, time: T }, [{ epc: 'AB', antenna: 1, rssi: -50, time: T }]],
    [
      'a batch',
      { reads: [{ epc: 'AB' }, { epc: 'CD', time: Date.parse(T) }] },
      [
        { epc: 'AB', antenna: null, rssi: null, time: null },
        { epc: 'CD', antenna: null, rssi: null, time: T },
      ],
    ],
    [
      'an Impinj tagInventory event (RSSI in cdBm)',
      { timestamp: T, hostname: 'impinj-14-46-36', eventType: 'tagInventory', tagInventoryEvent: { epcHex: 'AB', antennaPort: 2, peakRssiCdbm: -5350 } },
      [{ epc: 'AB', antenna: 2, rssi: -53.5, time: T }],
    ],
    [
      'Impinj events with a base64 epc (epcHex disabled)',
      [{ eventType: 'tagInventory', tagInventoryEvent: { epc: Buffer.from('3074257BF7194E4000001A85', 'hex').toString('base64') } }],
      [{ epc: '3074257BF7194E4000001A85', antenna: null, rssi: null, time: null }],
    ],
    [
      'Zebra SIMPLE events',
      [{ type: 'SIMPLE', timestamp: T, data: { idHex: 'AB', antenna: 3, peakRssi: -61 } }],
      [{ epc: 'AB', antenna: 3, rssi: -61, time: T }],
    ],
  ];
  for (const [what, m, reads] of CASES)
    it(`reads ${what}`, () => {
      expect(check.Check(m)).toBe(true);
      expect(normaliseReads(m as never)).toEqual(reads);
    });

  it('refuses what no reader sends: an empty batch, a number EPC, an unknown field, an antenna out of range', () => {
    for (const m of [{ reads: [] }, { epc: 12 }, { epc: 'AB', colour: 'red' }, { epc: 'AB', antenna: 99 }, [], { eventType: 'tagInventory' }])
      expect(check.Check(m)).toBe(false);
  });
});

describe('encodeSgtin96', () => {
  it('reproduces the TDS example (GTIN 80614141123458, serial 6789, filter 3) and round-trips through the decoder', () => {
    expect(encodeSgtin96({ gtin: '80614141123458', prefixDigits: 7, serial: 6789, filter: 3 })).toBe('3074257BF7194E4000001A85');
    for (const prefixDigits of [6, 7, 8, 9, 10, 11, 12]) {
      const hex = encodeSgtin96({ gtin: '04061234030122', prefixDigits, serial: 274877906943 });
      expect(decodeSgtin96(hex)).toMatchObject({ ok: true, sgtin: { gtin: '04061234030122', serial: '274877906943', filter: 1 } });
    }
  });

  it('refuses a wrong check digit, a serial over 38 bits and a prefix length GS1 does not allocate', () => {
    expect(() => encodeSgtin96({ gtin: '80614141123459', prefixDigits: 7, serial: 1 })).toThrow(/check digit/);
    expect(() => encodeSgtin96({ gtin: '80614141123458', prefixDigits: 7, serial: 2 ** 38 })).toThrow(/38 bits/);
    expect(() => encodeSgtin96({ gtin: '80614141123458', prefixDigits: 5, serial: 1 })).toThrow(/6 to 12/);
  });
});
