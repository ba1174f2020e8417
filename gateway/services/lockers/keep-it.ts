import type { KeepItPolicy } from './config.ts';

export interface KeepItInput {
  category: string;
  /** minor units; undefined when the QR does not say */
  value: number | undefined;
  size: string;
  /** the shopper's pseudonym from the QR; without it the rate guard cannot run */
  shopperId: string | undefined;
  /** keep-its this shopper already had within the policy's window */
  keptRecently: number;
}

export interface KeepItDecision {
  keep: boolean;
  /** in words, recorded with the return and sent with its event */
  why: string;
}

const money = (minor: number) => (minor / 100).toFixed(2);

/**
 * "Keep it" (refund without taking the item back), decided offline from the signed QR and the store policy.
 * Pure: every rule is checked in a fixed order and the first that fails is the reason; a keep says why it qualified.
 */
export function decideKeepIt(q: KeepItInput, policy: KeepItPolicy | undefined): KeepItDecision {
  if (!policy) return { keep: false, why: 'no keep-it policy in this store' };
  if (!policy.categories.includes(q.category)) return { keep: false, why: `category ${q.category} is not a keep-it category` };
  if (q.value === undefined) return { keep: false, why: 'the QR carries no value' };
  if (q.value > policy.maxValue) return { keep: false, why: `value ${money(q.value)} is above the keep-it limit ${money(policy.maxValue)}` };
  if (policy.sizes && !policy.sizes.includes(q.size)) return { keep: false, why: `size class ${q.size} is not a keep-it size` };
  if (!q.shopperId) return { keep: false, why: 'no shopper pseudonym on the QR: the keep-it rate cannot be checked' };
  if (q.keptRecently >= policy.maxPerShopper)
    return { keep: false, why: `the shopper already kept ${q.keptRecently} item(s) within ${policy.windowDays} days (limit ${policy.maxPerShopper})` };
  return {
    keep: true,
    why: `keep it: category ${q.category}, value ${money(q.value)} ≤ ${money(policy.maxValue)}, size ${q.size}, ${q.keptRecently} of ${policy.maxPerShopper} keep-its within ${policy.windowDays} days`,
  };
}
