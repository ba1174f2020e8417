import { gs1CheckDigit, SGTIN96_HEADER } from './sgtin.ts';

/**
 * The inverse of decodeSgtin96, for simulated readers and sample tags: a GTIN-14 split at its company prefix
 * (`prefixDigits`, 6–12 per GS1's allocation) plus a serial → 24 hex digits (TDS §14.5.1).
 */
const PARTITION_BY_PREFIX_DIGITS: Record<number, { partition: number; prefixBits: number; itemBits: number }> = {
  12: { partition: 0, prefixBits: 40, itemBits: 4 },
  11: { partition: 1, prefixBits: 37, itemBits: 7 },
  10: { partition: 2, prefixBits: 34, itemBits: 10 },
  9: { partition: 3, prefixBits: 30, itemBits: 14 },
  8: { partition: 4, prefixBits: 27, itemBits: 17 },
  7: { partition: 5, prefixBits: 24, itemBits: 20 },
  6: { partition: 6, prefixBits: 20, itemBits: 24 },
};

export function encodeSgtin96(o: { gtin: string; prefixDigits: number; serial: bigint | number; filter?: number }): string {
  const p = PARTITION_BY_PREFIX_DIGITS[o.prefixDigits];
  if (!p) throw new Error(`a GS1 company prefix has 6 to 12 digits, not ${o.prefixDigits}`);
  if (!/^\d{14}$/.test(o.gtin)) throw new Error(`GTIN-14 expected, got "${o.gtin}"`);
  if (gs1CheckDigit(o.gtin.slice(0, 13)) !== o.gtin[13]) throw new Error(`GTIN ${o.gtin} has a wrong check digit`);
  const serial = BigInt(o.serial);
  if (serial < 0n || serial >= 1n << 38n) throw new Error('an SGTIN-96 serial has 38 bits');
  const prefix = BigInt(o.gtin.slice(1, 1 + o.prefixDigits));
  // indicator digit first, then the item reference (TDS: "indicator/pad digit + item reference")
  const item = BigInt(o.gtin[0] + o.gtin.slice(1 + o.prefixDigits, 13));
  let bits = BigInt(SGTIN96_HEADER);
  bits = (bits << 3n) | BigInt(o.filter ?? 1);
  bits = (bits << 3n) | BigInt(p.partition);
  bits = (bits << BigInt(p.prefixBits)) | prefix;
  bits = (bits << BigInt(p.itemBits)) | item;
  bits = (bits << 38n) | serial;
  return bits.toString(16).toUpperCase().padStart(24, '0');
}
