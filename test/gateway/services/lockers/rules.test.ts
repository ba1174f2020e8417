import { describe, expect, it } from 'vitest';
import { incentiveRules, ruleSetPicker } from '../../../../gateway/services/lockers/incentives.ts';
import { decideKeepIt } from '../../../../gateway/services/lockers/keep-it.ts';
import { proposeSize } from '../../../../gateway/services/lockers/orders.ts';

const POLICY = { categories: ['home', 'outdoor'], maxValue: 5000, sizes: ['L', 'XL'], maxPerShopper: 2, windowDays: 90 };
const base = { category: 'home', value: 2500, size: 'XL', shopperId: 'sh-1', keptRecently: 0 };

describe('keep-it decision (pure)', () => {
  it.each([
    [{}, true, /^keep it: category home, value 25.00 ≤ 50.00, size XL, 0 of 2/],
    [{ category: 'tops' }, false, /^category tops is not a keep-it category$/],
    [{ value: undefined }, false, /^the QR carries no value$/],
    [{ value: 5001 }, false, /^value 50.01 is above the keep-it limit 50.00$/],
    [{ value: 5000 }, true, /^keep it/],
    [{ size: 'M' }, false, /^size class M is not a keep-it size$/],
    [{ shopperId: undefined }, false, /keep-it rate cannot be checked/],
    [{ keptRecently: 2 }, false, /^the shopper already kept 2 item\(s\) within 90 days \(limit 2\)$/],
    [{ keptRecently: 1 }, true, /1 of 2 keep-its/],
  ])('%o → keep %s', (over, keep, why) => {
    const d = decideKeepIt({ ...base, ...over }, POLICY);
    expect(d.keep).toBe(keep);
    expect(d.why).toMatch(why);
  });
  it('keeps nothing without a policy', () => expect(decideKeepIt(base, undefined)).toEqual({ keep: false, why: 'no keep-it policy in this store' }));
});

describe('incentive rule set (pure): first matching rule wins, and says which', () => {
  const pick = ruleSetPicker({
    offers: { swap: 'Swap', ship: 'Free shipping', big: '20 off' },
    rules: [
      { id: 'big-damaged', when: { reasons: ['damaged'], minValue: 10_000 }, offer: 'big' },
      { id: 'swap', when: { reasons: ['wrong_size'], categories: ['tops', 'pants'] }, offer: 'swap' },
      { id: 'regular', when: { minPriorReturns: 2, maxPriorReturns: 5 }, offer: 'ship' },
      { id: 'dangling', when: {}, offer: 'not-an-offer' },
    ],
  });
  it.each([
    [{ reason: 'damaged', category: 'home', value: 12_000, priorReturns: 0 }, 'big-damaged'],
    [{ reason: 'damaged', category: 'home', value: 9_000, priorReturns: 0 }, null],
    [{ reason: 'damaged', category: 'home', value: undefined, priorReturns: 3 }, 'regular'],
    [{ reason: 'wrong_size', category: 'tops', value: 100, priorReturns: 9 }, 'swap'],
    [{ reason: 'wrong_size', category: 'home', value: 100, priorReturns: 6 }, null],
  ])('%o → %s', (input, rule) => expect(pick(input)?.rule ?? null).toBe(rule));
  it('turns the older single {reasons, offer} setting into one rule', () => {
    const cfg = incentiveRules({ defaultSize: 'M', reasons: [], categories: [], incentive: { reasons: ['wrong_size'], offer: '10% off' } });
    expect(ruleSetPicker(cfg)({ reason: 'wrong_size', category: 'x', value: undefined, priorReturns: 0 })).toEqual({
      offer: 'default',
      text: '10% off',
      rule: 'reason',
    });
  });
});

describe('compartment size proposed from parcel dimensions (pure)', () => {
  const sizes = { S: { w: 380, h: 80, d: 640 }, M: { w: 380, h: 190, d: 640 }, L: { w: 380, h: 410, d: 640 }, XL: { w: 500, h: 500, d: 800 } };
  it.each([
    [{ w: 300, h: 50, d: 400 }, 'S'],
    [{ w: 50, h: 400, d: 300 }, 'S'],
    [{ w: 300, h: 150, d: 500 }, 'M'],
    [{ w: 370, h: 400, d: 600 }, 'L'],
    [{ w: 400, h: 400, d: 600 }, 'XL'],
    [{ w: 450, h: 450, d: 700 }, 'XL'],
    [{ w: 600, h: 600, d: 900 }, null],
  ])('%o → %s', (dims, size) => expect(proposeSize(dims, sizes)).toBe(size));
});
