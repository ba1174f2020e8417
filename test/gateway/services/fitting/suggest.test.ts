import { describe, expect, it } from 'vitest';
import { goesWith, learnCoOccurrence, orderOnline, otherSizes, similar } from '../../../../gateway/services/fitting/suggest.ts';
import type { Catalog, Product } from '../../../../gateway/catalog.ts';

const p = (sku: string, category: string, sizes: Record<string, number>): Product => ({
  sku,
  name: `Item ${sku}`,
  category,
  colour: 'black',
  sizes: Object.entries(sizes).map(([size, stock]) => ({ size, stock })),
});
const dress = p('D1', 'Dress', { S: 2, M: 0, L: 1 });
const catalog: Catalog = {
  version: 1,
  products: [
    dress,
    p('D2', 'Dress', { M: 3 }),
    p('D3', 'Dress', { M: 0 }),
    p('SA1', 'Sandal', { 40: 1 }),
    p('SA2', 'Sandal', { 40: 0 }),
    p('B1', 'Bag', { one: 1 }),
    p('C1', 'Coat', { M: 1 }),
    p('SN1', 'Sneaker', { 41: 4 }),
  ],
};

describe('suggestions', () => {
  it.each([
    { current: undefined, sizes: ['S', 'L'] },
    { current: 'S', sizes: ['L'] },
  ])('offers the same product only in sizes in stock (current $current)', ({ current, sizes }) => {
    expect(otherSizes(dress, current).map((s) => s.size)).toEqual(sizes);
    expect(otherSizes(dress, current)[0]?.reason).toBe(`also in ${sizes[0]}`);
  });

  it('ranks "goes with" by the outfit rules when there is no history, in-stock items only', () => {
    const r = goesWith(catalog, dress, new Map(), 3);
    expect(r.map((s) => s.sku)).toEqual(['SA1', 'B1', 'C1']);
    expect(r[0]?.reason).toBe('goes with your dress');
  });

  it('puts items tried together in past sessions first: seeded sessions change the ranking', () => {
    const history = learnCoOccurrence([
      ['D1', 'SN1'],
      ['D1', 'SN1', 'C1'],
      ['D2', 'B1'],
    ]);
    const r = goesWith(catalog, dress, history, 3);
    expect(r.map((s) => s.sku)).toEqual(['SN1', 'C1', 'SA1']);
    expect(r[0]?.reason).toBe('often tried with the item d1');
  });

  it('is deterministic for the same catalog and history', () => {
    const h = learnCoOccurrence([['D1', 'B1']]);
    expect(goesWith(catalog, dress, h)).toEqual(goesWith(catalog, dress, h));
  });

  it('suggests similar items of the same category that are in stock', () => {
    expect(similar(catalog, dress).map((s) => s.sku)).toEqual(['D2']);
  });

  it.each([
    { size: 'M', lockers: true, offer: { delivery: ['home', 'locker'], reason: 'M is not in store: order online, home delivery or a free locker here' } },
    { size: 'M', lockers: false, offer: { delivery: ['home'] } },
    { size: 'S', lockers: true, offer: null },
    { size: 'XXL', lockers: true, offer: null },
  ])('offers to order $size online only when it is out of stock (lockers: $lockers)', ({ size, lockers, offer }) => {
    const r = orderOnline(dress, size, lockers);
    if (offer === null) expect(r).toBeNull();
    else expect(r).toMatchObject({ sku: 'D1', size, ...offer });
  });
});
