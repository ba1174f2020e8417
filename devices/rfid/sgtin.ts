/**
 * SGTIN-96 EPC decoding per the GS1 EPC Tag Data Standard (TDS 2.x, §14.5.1; the TDT SGTIN-96 scheme): the 96 bits of
 * a UHF tag's EPC bank → filter, company prefix, item reference and serial, then the GTIN-14 with its check digit.
 * Pure: no I/O. A value that is not an SGTIN-96 is refused with a reason, never guessed at.
 */

export const SGTIN96_HEADER = 0x30;

/** TDS Table 14-2: partition → bits and digits of the company prefix and of the indicator + item reference. */
const PARTITIONS = [
  { prefixBits: 40, prefixDigits: 12, itemBits: 4, itemDigits: 1 },
  { prefixBits: 37, prefixDigits: 11, itemBits: 7, itemDigits: 2 },
  { prefixBits: 34, prefixDigits: 10, itemBits: 10, itemDigits: 3 },
  { prefixBits: 30, prefixDigits: 9, itemBits: 14, itemDigits: 4 },
  { prefixBits: 27, prefixDigits: 8, itemBits: 17, itemDigits: 5 },
  { prefixBits: 24, prefixDigits: 7, itemBits: 20, itemDigits: 6 },
  { prefixBits: 20, prefixDigits: 6, itemBits: 24, itemDigits: 7 },
] as const;

export interface Sgtin96 {
  header: number;
  /** 0 all others, 1 point of sale item, 2 full case, … (TDS Table 10-3) */
  filter: number;
  partition: number;
  /** GS1 company prefix, zero-padded to its digit count */
  companyPrefix: string;
  /** indicator / pad digit followed by the item reference, zero-padded */
  itemReference: string;
  serial: string;
  /** GTIN-14: indicator, company prefix, item reference, check digit */
  gtin: string;
  /** pure identity URI, e.g. urn:epc:id:sgtin:0614141.812345.6789 */
  uri: string;
  /** tag URI with the filter, e.g. urn:epc:tag:sgtin-96:3.0614141.812345.6789 */
  tagUri: string;
}

export type SgtinRefusal = 'not_hex' | 'wrong_length' | 'not_sgtin96' | 'bad_partition' | 'prefix_out_of_range' | 'item_out_of_range';

export type SgtinResult = { ok: true; sgtin: Sgtin96 } | { ok: false; reason: SgtinRefusal; detail: string };

const refuse = (reason: SgtinRefusal, detail: string): SgtinResult => ({ ok: false, reason, detail });

/** EPC hex (24 hex digits, any case, optional spaces or dashes between bytes) → SGTIN-96 or a reason. */
export function decodeSgtin96(epcHex: string): SgtinResult {
  const hex = epcHex.replace(/[\s-]/g, '');
  if (!/^[0-9a-fA-F]*$/.test(hex)) return refuse('not_hex', 'EPC is not hexadecimal');
  if (hex.length !== 24) return refuse('wrong_length', `${hex.length * 4} bits, SGTIN-96 has 96`);
  const bits = BigInt(`0x${hex}`);
  const field = (from: number, len: number) => (bits >> BigInt(96 - from - len)) & ((1n << BigInt(len)) - 1n);
  const header = Number(field(0, 8));
  if (header !== SGTIN96_HEADER) return refuse('not_sgtin96', `header 0x${header.toString(16).padStart(2, '0')} is not SGTIN-96 (0x30)`);
  const filter = Number(field(8, 3));
  const partition = Number(field(11, 3));
  const p = PARTITIONS[partition];
  if (!p) return refuse('bad_partition', `partition ${partition} is reserved`);
  const prefix = field(14, p.prefixBits);
  const item = field(14 + p.prefixBits, p.itemBits);
  const serial = field(58, 38);
  // the binary field may hold more than its digits allow: TDS says such a tag does not decode
  if (prefix >= 10n ** BigInt(p.prefixDigits)) return refuse('prefix_out_of_range', `company prefix ${prefix} has more than ${p.prefixDigits} digits`);
  if (item >= 10n ** BigInt(p.itemDigits)) return refuse('item_out_of_range', `item reference ${item} has more than ${p.itemDigits} digits`);
  const companyPrefix = prefix.toString().padStart(p.prefixDigits, '0');
  const itemReference = item.toString().padStart(p.itemDigits, '0');
  const gtin13 = itemReference[0] + companyPrefix + itemReference.slice(1);
  const gtin = gtin13 + gs1CheckDigit(gtin13);
  const s = serial.toString();
  return {
    ok: true,
    sgtin: {
      header,
      filter,
      partition,
      companyPrefix,
      itemReference,
      serial: s,
      gtin,
      uri: `urn:epc:id:sgtin:${companyPrefix}.${itemReference}.${s}`,
      tagUri: `urn:epc:tag:sgtin-96:${filter}.${companyPrefix}.${itemReference}.${s}`,
    },
  };
}

/** GS1 mod-10 check digit over the digits before it: weights 3,1,3,… from the rightmost digit. */
export function gs1CheckDigit(digits: string): string {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}
