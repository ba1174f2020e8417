import { describe, expect, it } from 'vitest';
import { decodeSgtin96, gs1CheckDigit } from '../../../devices/rfid/sgtin.ts';

// [EPC hex, filter, partition, company prefix, item reference, serial, GTIN-14]. The first row is the GS1 EPC Tag Data
// Standard's worked example (urn:epc:id:sgtin:0614141.812345.6789, GTIN 80614141123458); the others cover every other
// partition and the serial's extremes, encoded by an independent bit-packing script that reproduces the first row.
const VECTORS: Array<[string, number, number, string, string, string, string]> = [
  ['3074257BF7194E4000001A85', 3, 5, '0614141', '812345', '6789', '80614141123458'],
  ['3020393243F1640000000001', 1, 0, '061414112345', '0', '1', '00614141123452'],
  ['3004499602DD43000000002A', 0, 1, '09876543210', '12', '42', '10987654321026'],
  ['302800000001F9C000000005', 1, 2, '0000000001', '999', '5', '90000000001994'],
  ['304D7E140B50624000000000', 2, 3, '400638133', '0393', '0', '04006381333931'],
  ['303000F1200C0E400012D687', 1, 4, '00123456', '12345', '1234567', '10012345623452'],
  ['30383BF9806DB67FFFFFFFFF', 1, 6, '061414', '0112345', '274877906943', '00614141123452'],
];

describe('decodeSgtin96', () => {
  for (const [hex, filter, partition, companyPrefix, itemReference, serial, gtin] of VECTORS) {
    it(`decodes ${hex} to GTIN ${gtin}, serial ${serial}`, () => {
      const r = decodeSgtin96(hex);
      expect(r).toEqual({
        ok: true,
        sgtin: {
          header: 0x30,
          filter,
          partition,
          companyPrefix,
          itemReference,
          serial,
          gtin,
          uri: `urn:epc:id:sgtin:${companyPrefix}.${itemReference}.${serial}`,
          tagUri: `urn:epc:tag:sgtin-96:${filter}.${companyPrefix}.${itemReference}.${serial}`,
        },
      });
    });
  }

  it('gives the TDS example its pure identity URI, in lower case hex and with byte separators too', () => {
    for (const hex of ['3074257bf7194e4000001a85', '30 74 25 7B F7 19 4E 40 00 00 1A 85', '30-74-25-7B-F7-19-4E-40-00-00-1A-85']) {
      const r = decodeSgtin96(hex);
      expect(r.ok && r.sgtin.uri).toBe('urn:epc:id:sgtin:0614141.812345.6789');
    }
  });

  // must fail: each with the reason it is refused
  const MUST_FAIL: Array<[string, string, string]> = [
    ['', 'wrong_length', 'empty'],
    ['3074257BF7194E4000001A8', 'wrong_length', '92 bits'],
    ['3074257BF7194E4000001A8500', 'wrong_length', '104 bits'],
    ['3074257BF7194E4000001A8G', 'not_hex', 'a non-hex digit'],
    ['317A7202CC164BA20B000000', 'not_sgtin96', 'an SSCC-96 (header 0x31)'],
    ['3674257BF7194E4000001A85', 'not_sgtin96', 'an SGTIN-198 header (0x36)'],
    ['E2801160600002084E6B7C21', 'not_sgtin96', 'a TID-like value (header 0xE2)'],
    ['307C257BF7194E4000001A85', 'bad_partition', 'partition 7'],
    ['3023FFFFFFFFFC0000000001', 'prefix_out_of_range', 'a 40-bit company prefix over 12 digits'],
    ['3074257BF7FFFFC000000001', 'item_out_of_range', 'a 20-bit item reference over 6 digits'],
  ];
  for (const [hex, reason, what] of MUST_FAIL) {
    it(`refuses ${what} as ${reason}`, () => {
      const r = decodeSgtin96(hex);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.reason).toBe(reason);
        expect(r.detail).toBeTruthy();
      }
    });
  }
});

describe('gs1CheckDigit', () => {
  it.each([
    ['8061414112345', '8'],
    ['0061414112345', '2'],
    ['400638133393', '1'],
    ['629104150021', '3'],
  ])('%s → %s', (digits, check) => expect(gs1CheckDigit(digits)).toBe(check));
});
